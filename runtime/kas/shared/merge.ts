/**
 * Pure merges of what two replicas (or a replica and the store) know of one
 * agent: the store keeps the union, so a replica that rejoins, or writes
 * after Redis returns, never undoes a newer answer of another.
 */
import type { AgentState, CommitEntry, ProjectState } from "./records";

/** The union of two views of one agent: the newer (last_seen) wins each agent-level field; each project's newest report wins. open_streams/connected are left to presence. */
export function mergeAgent(stored: AgentState | undefined, local: AgentState): AgentState {
  if (!stored) return { ...local, projects: { ...local.projects } };
  const [older, newer] = stored.last_seen > local.last_seen ? [local, stored] : [stored, local];
  const projects: Record<string, ProjectState> = {};
  for (const id of new Set([...Object.keys(older.projects), ...Object.keys(newer.projects)])) {
    const o = older.projects[id];
    const n = newer.projects[id];
    const report = newestReport(o?.lastReport, n?.lastReport);
    const sentCommit = n?.sentCommit ?? o?.sentCommit;
    projects[id] = { ...(sentCommit === undefined ? {} : { sentCommit }), ...(report ? { lastReport: report } : {}) };
  }
  return {
    ...newer,
    first_seen: older.first_seen < newer.first_seen ? older.first_seen : newer.first_seen,
    projects,
  };
}

function newestReport(a: ProjectState["lastReport"], b: ProjectState["lastReport"]): ProjectState["lastReport"] {
  if (!a) return b;
  if (!b) return a;
  return a.received_at > b.received_at ? a : b;
}

/** The union of two commit lists of one project, oldest first, at most `max`: per commit the later run wins, and a final report beats a progress report of the same run. */
export function mergeCommitEntries(a: readonly CommitEntry[], b: readonly CommitEntry[], max: number): CommitEntry[] {
  const byCommit = new Map<string, CommitEntry>();
  for (const e of [...a, ...b]) {
    const old = byCommit.get(e.result.commit);
    byCommit.set(e.result.commit, old && !wins(e, old) ? old : e);
  }
  const all = [...byCommit.values()].sort((x, y) => (x.result.updated_at < y.result.updated_at ? -1 : x.result.updated_at > y.result.updated_at ? 1 : 0));
  return all.slice(Math.max(0, all.length - max));
}

function wins(e: CommitEntry, old: CommitEntry): boolean {
  if (e.startedAt !== old.startedAt) return e.startedAt > old.startedAt;
  const eFinal = e.result.state !== "in_progress";
  const oldFinal = old.result.state !== "in_progress";
  if (eFinal !== oldFinal) return eFinal;
  return e.result.updated_at >= old.result.updated_at;
}

/** An agent as the shared view shows it: streams summed over the replicas whose presence has not expired. */
export function withPresence(agent: AgentState, streamsByLiveReplica: ReadonlyMap<string, number>): AgentState {
  let open = 0;
  for (const n of streamsByLiveReplica.values()) open += n;
  // By name, not freshness: a presence refresh alone changes nothing a reader compares.
  const replicas = [...streamsByLiveReplica].map(([replica, streams]) => ({ replica, streams })).sort((x, y) => x.replica.localeCompare(y.replica));
  return { ...agent, open_streams: open, connected: open > 0, replicas };
}

/** Sorted as the agents API lists them. */
export function byName(agents: readonly AgentState[]): AgentState[] {
  return [...agents].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}
