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

/**
 * The same words whether or not kas knows the project, so an agent cannot
 * probe which projects exist (issue 13, item 12); `denyReason` tells the
 * operator's log which case it was.
 */
export function denyMessage(agent: AgentIdentity, projectId: string): string {
  return `agent ${agent.name} may not read project ${JSON.stringify(projectId)}: an agent reads its configuration project ${JSON.stringify(agent.configProjectId)}, projects kas config marks public, and projects whose "agents" list names it`;
}

export function denyReason(projectId: string, projects: readonly ProjectConfig[]): string {
  return projects.some((p) => p.id === projectId) ? "project not public and not granted to this agent" : "project not configured in kas";
}
