/**
 * What kas keeps of one sync report for `gitops-agent wait`: the state, the
 * counts, and the objects not Current (failed first), bounded. Pure. The
 * statuses are agentk's (runtime/agentk/plan ObjectResultStatus); an unknown
 * one from some other agent counts as pending, never as Current.
 */
import type { ObjectStatus, SyncStatusReport } from "../../rpc";
import type { ObjectStateWire, ReportedCommitWire } from "../commit-status";
import { truncateUtf8 } from "./report-bounds";

export interface CommitSummaryLimits {
  /** Objects not Current kept per commit; the rest are counted. */
  readonly maxObjects: number;
  readonly maxMessageBytes: number;
  readonly maxFieldBytes: number;
}

export const DEFAULT_COMMIT_SUMMARY_LIMITS: CommitSummaryLimits = { maxObjects: 20, maxMessageBytes: 512, maxFieldBytes: 256 };

const FAILED = new Set(["ApplyFailed", "PruneFailed", "Failed", "Timeout", "WaitFailed"]);
/** Gone from the commit on purpose: not its objects. */
const REMOVED = new Set(["Pruned", "PruneSkipped"]);

type Kind = "current" | "failed" | "pending";
const kindOf = (status: string): Kind => (status === "Current" ? "current" : FAILED.has(status) ? "failed" : "pending");

/** The stored summary of `report`, received at `receivedAt`. */
export function summarizeReport(report: SyncStatusReport, receivedAt: string, limits: CommitSummaryLimits = DEFAULT_COMMIT_SUMMARY_LIMITS): ReportedCommitWire {
  const field = (s: unknown): string => truncateUtf8(typeof s === "string" ? s : "", limits.maxFieldBytes);
  const objects = (Array.isArray(report.objects) ? report.objects : []).filter((o) => !REMOVED.has(String(o.status)));
  const counts = { objects: objects.length, applied: 0, current: 0, pending: 0, failed: 0 };
  const notCurrent: { kind: Kind; o: ObjectStatus }[] = [];
  for (const o of objects) {
    const kind = kindOf(String(o.status));
    counts[kind]++;
    if (o.status !== "ApplyFailed") counts.applied++;
    if (kind !== "current") notCurrent.push({ kind, o });
  }
  notCurrent.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === "failed" ? -1 : 1));
  const kept: ObjectStateWire[] = notCurrent.slice(0, limits.maxObjects).map(({ o }) => ({
    group: field(o.group),
    kind: field(o.kind),
    namespace: field(o.namespace),
    name: field(o.name),
    status: field(o.status),
    message: truncateUtf8(typeof o.message === "string" ? o.message : "", limits.maxMessageBytes),
  }));
  const state = report.in_progress === true ? "in_progress" : report.success === true ? "succeeded" : "failed";
  const error = state === "failed" ? truncateUtf8(typeof report.error === "string" && report.error !== "" ? report.error : "the sync failed", limits.maxMessageBytes) : undefined;
  return {
    commit: field(report.commit_id),
    state,
    counts,
    ...(error === undefined ? {} : { error }),
    objects: kept,
    objects_omitted: notCurrent.length - kept.length,
    updated_at: receivedAt,
  };
}
