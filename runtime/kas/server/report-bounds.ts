/**
 * What kas keeps of an agent's sync status report. A report comes from an
 * authenticated agent but its content is the agent's to choose; kept whole,
 * and re-serialised for every GET /api/v1/agents, two 6 MB reports made each
 * response 33 MB (issue 13 item 7). Kept bounded: lists truncated with a count
 * of the rest, strings cut, and the objects of one report within a byte budget.
 */
import type { ObjectStatus, SyncStatusReport } from "../../rpc";
import type { StoredReport } from "../shared";

export interface ReportLimits {
  /** Objects kept per report; the rest are only counted. */
  readonly maxObjects: number;
  /** Bytes of the report's error and of each object's message. */
  readonly maxMessageBytes: number;
  /** Bytes of every other string (names, kinds, commit ids). */
  readonly maxFieldBytes: number;
  /** Bytes of all kept objects together (their strings, roughly as serialised). */
  readonly maxObjectsBytes: number;
}

export const DEFAULT_REPORT_LIMITS: ReportLimits = {
  maxObjects: 200,
  maxMessageBytes: 4096,
  maxFieldBytes: 256,
  maxObjectsBytes: 128 * 1024,
};

export type { StoredReport } from "../shared";

/** Pure: the bounded copy of `report` kas stores. */
export function boundReport(report: SyncStatusReport, limits: ReportLimits = DEFAULT_REPORT_LIMITS): StoredReport {
  const field = (s: unknown): string => truncateUtf8(asString(s), limits.maxFieldBytes);
  const objects: ObjectStatus[] = [];
  let budget = limits.maxObjectsBytes;
  const all = Array.isArray(report.objects) ? report.objects : [];
  for (const o of all) {
    if (objects.length >= limits.maxObjects) break;
    const kept: ObjectStatus = {
      group: field(o.group),
      version: field(o.version),
      kind: field(o.kind),
      namespace: field(o.namespace),
      name: field(o.name),
      status: field(o.status),
      message: truncateUtf8(asString(o.message), limits.maxMessageBytes),
    };
    const size = Object.values(kept).reduce((n, s) => n + Buffer.byteLength(s) + 16, 0);
    if (size > budget) break;
    budget -= size;
    objects.push(kept);
  }
  return {
    project_id: field(report.project_id),
    commit_id: field(report.commit_id),
    success: report.success === true,
    error: truncateUtf8(asString(report.error), limits.maxMessageBytes),
    objects,
    objects_omitted: all.length - objects.length,
    started_at_unix_ms: Number(report.started_at_unix_ms) || 0,
    finished_at_unix_ms: Number(report.finished_at_unix_ms) || 0,
  };
}

const MARK = "… (truncated)";

/** `s` cut to at most `maxBytes` UTF-8 bytes (marker included), on a character boundary. */
export function truncateUtf8(s: string, maxBytes: number): string {
  // Cheap test first: a string of n UTF-16 units is at most 3n UTF-8 bytes.
  if (s.length * 3 <= maxBytes || Buffer.byteLength(s) <= maxBytes) return s;
  const room = Math.max(0, maxBytes - Buffer.byteLength(MARK));
  // Never encode more than `room` units of a multi-megabyte string.
  let units = Math.min(room, s.length);
  // Do not split a surrogate pair (it would encode as a replacement character).
  if (units > 0 && units < s.length && /[\uD800-\uDBFF]/.test(s.charAt(units - 1))) units--;
  const head = Buffer.from(s.slice(0, units), "utf8");
  let end = Math.min(room, head.length);
  // Step back over UTF-8 continuation bytes so no character is split.
  while (end > 0 && end < head.length && ((head[end] as number) & 0xc0) === 0x80) end--;
  return head.subarray(0, end).toString("utf8") + MARK;
}

function asString(v: unknown): string {
  return typeof v === "string" ? v : v === undefined || v === null ? "" : String(v);
}
