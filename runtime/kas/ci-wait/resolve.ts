/** --agent to the agent's id: a numeric id as given, else a name or <config project path>:<name> among the agents kas allows the job (pure). */
import type { KubeconfigAgent } from "../kubeapi-auth";

export const isAgentId = (agent: string): boolean => /^\d+$/.test(agent);

export function resolveAgent(agent: string, allowed: readonly KubeconfigAgent[], projectPath?: string): { id: string; name: string } | { error: string } {
  const colon = agent.lastIndexOf(":");
  const matches = colon >= 0 ? allowed.filter((a) => `${a.configProjectPath}:${a.name}` === agent) : allowed.filter((a) => a.name === agent);
  const known = allowed.length === 0 ? "none" : allowed.map((a) => `${a.configProjectPath}:${a.name}`).join(", ");
  if (matches.length === 1) return { id: matches[0]!.id, name: matches[0]!.name };
  if (matches.length > 1) return { error: `--agent ${agent} names ${matches.length} agents the job may use (${matches.map((a) => `${a.configProjectPath}:${a.name}`).join(", ")}); name one as <config project path>:<name>` };
  return { error: `kas does not allow project ${projectPath ?? "(unknown)"} the agent ${agent}: its ci_access does not admit the job, or there is no such agent. Agents this job may use: ${known}` };
}
