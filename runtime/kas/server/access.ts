import type { ProjectConfig } from "../config";

export interface AgentIdentity {
  readonly id: string;
  readonly name: string;
  readonly configProjectId: string;
}

/**
 * Which projects an agent may read (pure): its configuration project, the
 * projects kas config marks public, and those that grant it by name. This
 * lifts GitLab's rule that other manifest projects must be public.
 */
export function canRead(agent: AgentIdentity, projectId: string, projects: readonly ProjectConfig[]): boolean {
  if (projectId === agent.configProjectId) return true;
  const project = projects.find((p) => p.id === projectId);
  return project !== undefined && (project.public || project.agents.includes(agent.name));
}

export function denyMessage(agent: AgentIdentity, projectId: string, projects: readonly ProjectConfig[]): string {
  const known = projects.some((p) => p.id === projectId);
  if (!known) {
    return `project ${JSON.stringify(projectId)} is not configured in kas (agent ${agent.name} may read its configuration project ${JSON.stringify(agent.configProjectId)} and projects kas config marks public or grants to it)`;
  }
  return `agent ${agent.name} may not read project ${JSON.stringify(projectId)}: it is not public and does not list this agent under "agents" in kas config`;
}
