/**
 * One agent as its page shows it: per manifest project the sync history
 * (commit results), every object of the last sync with its health and the
 * reason when not Current, and what prune removed. Pure.
 */
import type { ReportedCommitWire } from "../commit-status";
import type { AgentState, CommitsView } from "../shared";
import { lastSyncField, stateOf, type ConsoleAgent } from "./model";

export interface HistoryEntry {
  readonly commit: string;
  readonly state: ReportedCommitWire["state"];
  /** When kas last heard of this commit's sync (ISO). */
  readonly at: string;
  readonly duration_ms?: number;
  readonly error?: string;
  readonly counts: ReportedCommitWire["counts"];
  /** `<web_url>/-/commit/<sha>` when the project has a web URL. */
  readonly commit_url?: string;
}

export interface ManagedObject {
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  /** agentk's result: kstatus after the wait (Current, InProgress, Failed, ...) or the apply's (ApplyFailed, ...). */
  readonly health: string;
  /** Why it is not Current (e.g. the apiserver's Forbidden text); absent when Current. */
  readonly reason?: string;
}

export interface ProjectDetail {
  readonly id: string;
  readonly web_url?: string;
  /** Newest first. */
  readonly history: readonly HistoryEntry[];
  /** The last finished sync's objects (pruned ones apart). */
  readonly objects: readonly ManagedObject[];
  /** What the last finished sync's prune deleted, or failed to. */
  readonly pruned: readonly ManagedObject[];
  /** Objects the stored report did not keep (bounds). */
  readonly objects_omitted: number;
  /** The last finished sync's error (manifest errors name file and line). */
  readonly error?: string;
}

export interface AgentDetail {
  readonly agent: ConsoleAgent;
  readonly projects: readonly ProjectDetail[];
}

const PRUNE = new Set(["Pruned", "PruneFailed", "PruneSkipped"]);

/** `view.agent` may be missing (a registered agent that never connected): `fallback` names it then. */
export function agentDetail(view: CommitsView, fallback: ConsoleAgent, webUrl: (project: string) => string | undefined): AgentDetail {
  const a: AgentState | undefined = view.agent;
  const agent: ConsoleAgent = a ? { ...fallback, ...a, state: stateOf(a), ...lastSyncField(a) } : fallback;
  const ids = new Set([...view.commits.keys(), ...Object.keys(a?.projects ?? {})]);
  const projects = [...ids].sort().map((id): ProjectDetail => {
    const web = webUrl(id);
    const report = a?.projects[id]?.lastReport;
    const objects = (report?.objects ?? []).map(
      (o): ManagedObject => ({ group: o.group, kind: o.kind, namespace: o.namespace, name: o.name, health: o.status, ...(o.status === "Current" || o.status === "Pruned" ? {} : { reason: o.message }) }),
    );
    return {
      id,
      ...(web ? { web_url: web } : {}),
      history: [...(view.commits.get(id) ?? [])].reverse().map((e) => ({
        commit: e.result.commit,
        state: e.result.state,
        at: e.result.updated_at,
        ...(e.finishedAt && e.startedAt > 0 && e.finishedAt >= e.startedAt ? { duration_ms: e.finishedAt - e.startedAt } : {}),
        ...(e.result.error ? { error: e.result.error } : {}),
        counts: e.result.counts,
        ...(web && /^[0-9a-f]{7,64}$/.test(e.result.commit) ? { commit_url: `${web}/-/commit/${e.result.commit}` } : {}),
      })),
      objects: objects.filter((o) => !PRUNE.has(o.health)),
      pruned: objects.filter((o) => PRUNE.has(o.health)),
      objects_omitted: report?.objects_omitted ?? 0,
      ...(report && !report.success ? { error: report.error || "the sync failed" } : {}),
    };
  });
  return { agent, projects };
}

