/**
 * --agent of the CI commands (wait, preview) to the agent's id: a numeric id
 * as given, else a name or <config project path>:<name> among the agents kas
 * allows the job (resolveAgent is the pure part).
 */
import type { KubeconfigAgent } from "../kubeapi-auth";
import { fetchAllowedAgents } from "./fetch";

export const isAgentId = (agent: string): boolean => /^\d+$/.test(agent);

export function resolveAgent(agent: string, allowed: readonly KubeconfigAgent[], projectPath?: string): { id: string; name: string } | { error: string } {
  const colon = agent.lastIndexOf(":");
  const matches = colon >= 0 ? allowed.filter((a) => `${a.configProjectPath}:${a.name}` === agent) : allowed.filter((a) => a.name === agent);
  const known = allowed.length === 0 ? "none" : allowed.map((a) => `${a.configProjectPath}:${a.name}`).join(", ");
  if (matches.length === 1) return { id: matches[0]!.id, name: matches[0]!.name };
  if (matches.length > 1) return { error: `--agent ${agent} names ${matches.length} agents the job may use (${matches.map((a) => `${a.configProjectPath}:${a.name}`).join(", ")}); name one as <config project path>:<name>` };
  return { error: `kas does not allow project ${projectPath ?? "(unknown)"} the agent ${agent}: its ci_access does not admit the job, or there is no such agent. Agents this job may use: ${known}` };
}

export interface ChosenAgent {
  readonly id: string;
  /** How messages name it: <config project path>:<name>, or the id as given. */
  readonly label: string;
}

/**
 * The agent `--agent` names, as a CI command needs it: a numeric id as given
 * (GitLab mode's job tokens, where kas cannot list allowed agents), else
 * looked up among the agents kas allows the job (GET /.kas/v1/allowed_agents
 * with the plain ID token). Throws an Error in words.
 */
export async function chooseAgent(o: { readonly kas: string; readonly agent: string; readonly caPem?: string }, token: string): Promise<ChosenAgent> {
  if (isAgentId(o.agent)) return { id: o.agent, label: `agent ${o.agent}` };
  const allowed = await fetchAllowedAgents({ kas: o.kas, idToken: token, ...(o.caPem === undefined ? {} : { caPem: o.caPem }) });
  const found = resolveAgent(o.agent, allowed.agents, allowed.projectPath);
  if ("error" in found) throw new Error(found.error);
  const agent = allowed.agents.find((a) => a.id === found.id)!;
  return { id: found.id, label: `${agent.configProjectPath}:${agent.name}` };
}
