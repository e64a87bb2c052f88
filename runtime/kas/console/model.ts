/**
 * What the console shows of the agents, worked out once from the shared
 * state and the registry, and rendered both as HTML and as JSON. Pure.
 */
import type { AgentInfo } from "../registry";
import type { AgentState, AgentsView, ProjectState } from "../shared";

/** An agent's state as an operator reads it, worst first. */
export type ConsoleAgentState = "cluster unreachable" | "connected" | "disconnected" | "never connected";

export interface LastSync {
  readonly project: string;
  readonly commit: string;
  /** When kas received the report (ISO). */
  readonly at: string;
  /** finished - started, agentk's clock; undefined when not known. */
  readonly duration_ms?: number;
  readonly result: "succeeded" | "failed";
  readonly error?: string;
}

/** One row of the agents list: the agent's shared state (absent before it connected) and what the console makes of it. */
export interface ConsoleAgent extends Partial<Omit<AgentState, "id" | "name" | "config_project">> {
  readonly id: string;
  readonly name: string;
  readonly config_project: string;
  readonly state: ConsoleAgentState;
  /** In the registry's list: true/false with the file registry; undefined when the registry cannot list its agents (GitLab). */
  readonly registered?: boolean;
  readonly last_sync?: LastSync;
}

export interface AgentsModel {
  readonly agents: readonly ConsoleAgent[];
  /** undefined: the registry can list its agents; else why the list holds only agents that connected. */
  readonly registry_note?: string;
  /** Set when the list is cut to what the viewer may see (a GitLab user): says so. */
  readonly viewer_note?: string;
  readonly shared_state?: "available" | "unavailable";
}

export const GITLAB_REGISTRY_NOTE = "registered agents unknown in GitLab mode: only agents that connected are listed";

/** The agents list: every registered agent (never connected ones too) and every agent kas has seen, by name. */
export function agentsModel(view: AgentsView, registered: readonly AgentInfo[] | undefined): AgentsModel {
  const seen = new Map(view.agents.map((a) => [a.id, a]));
  const known = new Set(registered?.map((a) => a.id) ?? []);
  const rows: ConsoleAgent[] = view.agents.map((a) => ({ ...a, state: stateOf(a), ...(registered ? { registered: known.has(a.id) } : {}), ...lastSyncField(a) }));
  // A partial view (Redis away) lacks agents connected elsewhere: they are not "never connected".
  for (const r of view.status === "unavailable" ? [] : (registered ?? [])) {
    if (!seen.has(r.id)) rows.push({ id: r.id, name: r.name, config_project: r.configProjectId, state: "never connected", registered: true, connected: false, open_streams: 0, projects: {} });
  }
  rows.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  return {
    agents: rows,
    ...(registered ? {} : { registry_note: GITLAB_REGISTRY_NOTE }),
    ...(view.status === "memory" ? {} : { shared_state: view.status === "shared" ? "available" : "unavailable" }),
  };
}

/** Connected but its apiserver out of reach is no healthy agent: it says so first. */
export function stateOf(a: AgentState): ConsoleAgentState {
  if (!a.connected) return "disconnected";
  return a.cluster?.reachable === false ? "cluster unreachable" : "connected";
}

/** The newest final report over the agent's projects. */
export function lastSync(a: Pick<AgentState, "projects">): LastSync | undefined {
  let best: [string, NonNullable<ProjectState["lastReport"]>] | undefined;
  for (const [project, p] of Object.entries(a.projects)) {
    if (p.lastReport && (!best || p.lastReport.received_at > best[1].received_at)) best = [project, p.lastReport];
  }
  if (!best) return undefined;
  const [project, r] = best;
  const duration = r.finished_at_unix_ms - r.started_at_unix_ms;
  return {
    project,
    commit: r.commit_id,
    at: r.received_at,
    ...(r.started_at_unix_ms > 0 && duration >= 0 ? { duration_ms: duration } : {}),
    result: r.success ? "succeeded" : "failed",
    ...(r.success ? {} : { error: r.error || "the sync failed" }),
  };
}

export function lastSyncField(a: AgentState): { last_sync?: LastSync } {
  const s = lastSync(a);
  return s ? { last_sync: s } : {};
}

/** Rows whose text holds every word of `q` (case-insensitive): the no-JS `?q=` filter, the same test as the page's script. */
export function matches(a: ConsoleAgent, q: string): boolean {
  const hay = searchText(a);
  return q
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((w) => hay.includes(w));
}

/** What a filter searches in a row (the page's script reads it from data-search). */
export const searchText = (a: ConsoleAgent): string =>
  [a.name, a.id, a.config_project, a.state, a.agent_meta?.version ?? "", a.last_sync?.commit ?? "", a.last_sync?.result ?? ""].join(" ").toLowerCase();
