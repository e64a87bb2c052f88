/** The client's reading of kas's commit_status answer: each field checked, a reason naming the first that is not as expected. */
import { COMMIT_STATES, type CommitStatusWire, type ObjectStateWire, type ReportedCommitWire } from "./wire";

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isText = (v: unknown): v is string => typeof v === "string";
const isCount = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
const REPORTED = COMMIT_STATES.filter((s) => s !== "pending");

type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };
const bad = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

export function parseCommitStatus(body: unknown): Parsed<CommitStatusWire> {
  if (!isMap(body)) return bad("expected a JSON object");
  if (!isMap(body.agent) || !isText(body.agent.id) || !isText(body.agent.name)) return bad("agent: expected {id, name} strings");
  if (!isText(body.project) || body.project === "") return bad("project: expected a non-empty string");
  if (!isText(body.commit) || body.commit === "") return bad("commit: expected a non-empty string");
  if (!(COMMIT_STATES as readonly unknown[]).includes(body.state)) return bad(`state: expected one of ${COMMIT_STATES.join(", ")}`);
  let result: ReportedCommitWire | undefined;
  if (body.result !== undefined) {
    const r = parseReported(body.result);
    if (!r.ok) return bad(`result.${r.reason}`);
    result = r.value;
  }
  const latest = body.latest;
  if (latest !== undefined && !(isMap(latest) && isText(latest.commit) && (REPORTED as readonly unknown[]).includes(latest.state))) return bad(`latest: expected {commit, state: ${REPORTED.join(" | ")}}`);
  if (body.sent_commit !== undefined && !isText(body.sent_commit)) return bad("sent_commit: expected a string");
  const value: CommitStatusWire = {
    agent: { id: body.agent.id, name: body.agent.name },
    project: body.project,
    commit: body.commit,
    state: body.state as CommitStatusWire["state"],
    ...(result === undefined ? {} : { result }),
    ...(latest === undefined ? {} : { latest: latest as CommitStatusWire["latest"] & object }),
    ...(body.sent_commit === undefined ? {} : { sent_commit: body.sent_commit }),
  };
  return { ok: true, value };
}

function parseReported(r: unknown): Parsed<ReportedCommitWire> {
  if (!isMap(r)) return bad("expected an object");
  if (!isText(r.commit)) return bad("commit: expected a string");
  if (!(REPORTED as readonly unknown[]).includes(r.state)) return bad(`state: expected one of ${REPORTED.join(", ")}`);
  const c = r.counts;
  if (!isMap(c) || !["objects", "applied", "current", "pending", "failed"].every((k) => isCount(c[k]))) return bad("counts: expected objects, applied, current, pending, failed as whole numbers");
  if (r.error !== undefined && !isText(r.error)) return bad("error: expected a string");
  if (!Array.isArray(r.objects)) return bad("objects: expected a list");
  const objects: ObjectStateWire[] = [];
  for (const [i, o] of r.objects.entries()) {
    if (!isMap(o) || !["group", "kind", "namespace", "name", "status", "message"].every((k) => isText(o[k]))) return bad(`objects[${i}]: expected group, kind, namespace, name, status, message strings`);
    objects.push({ group: o.group as string, kind: o.kind as string, namespace: o.namespace as string, name: o.name as string, status: o.status as string, message: o.message as string });
  }
  if (!isCount(r.objects_omitted)) return bad("objects_omitted: expected a whole number");
  if (!isText(r.updated_at)) return bad("updated_at: expected a string");
  const counts = { objects: c.objects as number, applied: c.applied as number, current: c.current as number, pending: c.pending as number, failed: c.failed as number };
  return { ok: true, value: { commit: r.commit, state: r.state as ReportedCommitWire["state"], counts, ...(r.error === undefined ? {} : { error: r.error }), objects, objects_omitted: r.objects_omitted, updated_at: r.updated_at } };
}
