/**
 * The end of a sync: how many objects failed, worded as cli-utils' ResultError
 * (pkg/print/common/errors.go) so the log reads as GitLab's agentk:
 * `"msg":"Synchronization failed" ... "error":"1 resources failed"`.
 */
import { objRefKey } from "./refs";
import type { ObjRef } from "./types";

export type ObjectResultStatus =
  /** Actuation: server-side apply. */
  | "Applied"
  /** Apply refused (scope, inventory policy) or rejected by the API server: a failure, as in cli-utils. */
  | "ApplyFailed"
  /** Not applied on purpose (e.g. unchanged since the last sync): not a failure. */
  | "Skipped"
  | "Pruned"
  | "PruneFailed"
  /** Not deleted on purpose (another inventory owns it, already gone): not a failure. */
  | "PruneSkipped"
  /** Reconciliation (kstatus), after the wait. */
  | "Current"
  | "InProgress"
  | "Failed"
  | "Unknown"
  | "Terminating"
  | "NotFound"
  /** Still not Current when reconcile_timeout ran out. */
  | "Timeout"
  /** Reading the object's status (or whether a pruned object is gone) failed with an error other than 404: never taken as success. */
  | "WaitFailed";

export interface ObjectResult {
  readonly ref: ObjRef;
  readonly status: ObjectResultStatus;
  readonly message: string;
}

export interface SyncSummary {
  /** Objects whose apply or prune failed (cli-utils' FailedActuationSum). */
  readonly failed: number;
  /** Objects that were applied but ended Failed, or timed out (cli-utils' FailedReconciliationSum). */
  readonly failedToReconcile: number;
  /** `N resources failed`, `M resources failed to reconcile before timeout`, or both; absent when all is well. */
  readonly error?: string;
}

const ACTUATION_FAILURES: ReadonlySet<ObjectResultStatus> = new Set(["ApplyFailed", "PruneFailed"]);
const RECONCILE_FAILURES: ReadonlySet<ObjectResultStatus> = new Set(["Failed", "Timeout", "WaitFailed"]);

/** Each object counts once per kind of failure, however many results the caller recorded for it. */
export function summarize(results: readonly ObjectResult[]): SyncSummary {
  const count = (statuses: ReadonlySet<ObjectResultStatus>) =>
    new Set(results.filter((r) => statuses.has(r.status)).map((r) => objRefKey(r.ref))).size;
  const failed = count(ACTUATION_FAILURES);
  const failedToReconcile = count(RECONCILE_FAILURES);
  const parts: string[] = [];
  if (failed > 0) parts.push(`${failed} resources failed`);
  if (failedToReconcile > 0) parts.push(`${failedToReconcile} resources failed to reconcile before timeout`);
  return parts.length === 0 ? { failed, failedToReconcile } : { failed, failedToReconcile, error: parts.join(", ") };
}
