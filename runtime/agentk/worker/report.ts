import type { ObjectResult } from "../plan";
import type { SyncStatusReport } from "../../rpc";
import type { SyncOutcome } from "../apply";

/** The status back-channel message for one finished sync. */
export function toReport(projectId: string, outcome: SyncOutcome, startedAt: number, finishedAt: number): SyncStatusReport {
  return {
    project_id: projectId,
    commit_id: outcome.commitId,
    success: outcome.error === undefined,
    error: outcome.error ?? "",
    objects: toObjects(outcome.results),
    started_at_unix_ms: startedAt,
    finished_at_unix_ms: finishedAt,
    in_progress: false,
  };
}

/** A progress report of a sync still running: its results so far; neither success nor an error yet. */
export function toProgressReport(projectId: string, commitId: string, results: readonly ObjectResult[], startedAt: number): SyncStatusReport {
  return { project_id: projectId, commit_id: commitId, success: false, error: "", objects: toObjects(results), started_at_unix_ms: startedAt, finished_at_unix_ms: 0, in_progress: true };
}

function toObjects(results: readonly ObjectResult[]): SyncStatusReport["objects"] {
  return latestPerObject(results).map((r) => ({
      group: r.ref.group,
      version: "",
      kind: r.ref.kind,
      namespace: r.ref.namespace,
      name: r.ref.name,
      status: r.status,
      message: r.message,
  }));
}

/** An object appears once per step (Applied, then Current); keep its last word, in first-seen order. */
function latestPerObject(results: readonly ObjectResult[]): ObjectResult[] {
  const byKey = new Map<string, ObjectResult>();
  for (const r of results) byKey.set(`${r.ref.group}/${r.ref.kind}/${r.ref.namespace}/${r.ref.name}`, r);
  return [...byKey.values()];
}
