/**
 * What the console shows of an agent's workloads, and how it is read out of
 * the apiserver's JSON: the managed Deployments and StatefulSets (from the
 * agent's last reports), a workload's label selector, a pod's row, the
 * newest events per object. The JSON API serves these shapes; the page
 * renders them. Pure.
 */
import type { AgentState } from "../shared";
import { EVENTS_LIST_LIMIT, PODS_LIST_LIMIT, WORKLOAD_RESOURCES } from "./requests";

/** Why something could not be read: the apiserver's (or kas's) Status, as the viewer would have got it. */
export interface Problem {
  readonly status: number;
  readonly reason: string;
  readonly message: string;
}

export interface EventRow {
  readonly type: string;
  readonly reason: string;
  readonly message: string;
  readonly count: number;
  readonly last_seen: string;
}

export interface PodRow {
  readonly namespace: string;
  readonly name: string;
  readonly phase: string;
  /** "ready/total" containers. */
  readonly ready: string;
  readonly restarts: number;
  readonly created_at: string;
  readonly age_seconds: number;
  readonly node: string;
  readonly containers: readonly string[];
  readonly events: readonly EventRow[];
}

export interface WorkloadView {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  /** The label selector its pods were listed with. */
  readonly selector?: string;
  /** The workload could not be read (its pods are then not listed). */
  readonly error?: Problem;
  readonly pods: readonly PodRow[];
  readonly pods_error?: Problem;
  readonly events: readonly EventRow[];
  readonly events_error?: Problem;
}

export interface WorkloadsAnswer {
  readonly agent: { readonly id: string; readonly name: string; readonly connected: boolean };
  readonly workloads: readonly WorkloadView[];
  /** Managed workloads past MAX_WORKLOADS, not shown. */
  readonly omitted: number;
}

export const MAX_WORKLOADS = 50;
export const EVENTS_PER_OBJECT = 5;

export interface WorkloadRef {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

/** The Deployments and StatefulSets in the agent's last reports, once each, sorted. */
export function managedWorkloads(agent: AgentState): WorkloadRef[] {
  const seen = new Map<string, WorkloadRef>();
  for (const project of Object.values(agent.projects)) {
    for (const o of project.lastReport?.objects ?? []) {
      if (o.group !== "apps" || WORKLOAD_RESOURCES[o.kind] === undefined || o.namespace === "") continue;
      seen.set(`${o.kind}/${o.namespace}/${o.name}`, { kind: o.kind, namespace: o.namespace, name: o.name });
    }
  }
  return [...seen.values()].sort((a, b) => `${a.namespace}/${a.kind}/${a.name}`.localeCompare(`${b.namespace}/${b.kind}/${b.name}`));
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === "string" ? v : "");
const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);

/** The workload's spec.selector as a labelSelector query value, or a reason it has none kas can use. */
export function labelSelector(workload: unknown): { selector: string } | { reason: string } {
  const sel = obj(obj(obj(workload).spec).selector);
  const parts = Object.entries(obj(sel.matchLabels)).map(([k, v]) => `${k}=${str(v)}`);
  for (const e of arr(sel.matchExpressions).map(obj)) {
    const values = arr(e.values).map(str).join(",");
    const op = str(e.operator);
    const key = str(e.key);
    if (op === "In") parts.push(`${key} in (${values})`);
    else if (op === "NotIn") parts.push(`${key} notin (${values})`);
    else if (op === "Exists") parts.push(key);
    else if (op === "DoesNotExist") parts.push(`!${key}`);
    else return { reason: `spec.selector.matchExpressions: unknown operator ${JSON.stringify(op)}` };
  }
  // An empty selector would list every pod of the namespace: not this workload's.
  return parts.length === 0 ? { reason: "spec.selector is empty" } : { selector: parts.join(",") };
}

/** A pod of a pods list, as a row; `nowMs` for its age. */
export function podRow(pod: unknown, nowMs: number, events: readonly EventRow[] = []): PodRow {
  const p = obj(pod);
  const meta = obj(p.metadata);
  const status = obj(p.status);
  const statuses = arr(status.containerStatuses).map(obj);
  const containers = arr(obj(p.spec).containers).map((c) => str(obj(c).name));
  const created = str(meta.creationTimestamp);
  const createdMs = Date.parse(created);
  return {
    namespace: str(meta.namespace),
    name: str(meta.name),
    phase: str(status.phase) || "Unknown",
    ready: `${statuses.filter((c) => c.ready === true).length}/${containers.length}`,
    restarts: statuses.reduce((n, c) => n + num(c.restartCount), 0),
    created_at: created,
    age_seconds: Number.isNaN(createdMs) ? 0 : Math.max(0, Math.floor((nowMs - createdMs) / 1000)),
    node: str(obj(p.spec).nodeName),
    containers,
    events,
  };
}

/** A namespace's events list, by involved object (`Kind/name`), newest first, EVENTS_PER_OBJECT each. */
export function eventsByObject(list: unknown): Map<string, EventRow[]> {
  const out = new Map<string, EventRow[]>();
  // No more than kas asked for (limit=): an agent answering millions of events gets the first ones read.
  for (const e of arr(obj(list).items).slice(0, EVENTS_LIST_LIMIT).map(obj)) {
    const involved = obj(e.involvedObject);
    const key = `${str(involved.kind)}/${str(involved.name)}`;
    const meta = obj(e.metadata);
    const lastSeen = str(e.lastTimestamp) || str(e.eventTime) || str(meta.creationTimestamp);
    const row: EventRow = { type: str(e.type), reason: str(e.reason), message: str(e.message), count: num(e.count) || 1, last_seen: lastSeen };
    const rows = out.get(key);
    if (rows) rows.push(row);
    else out.set(key, [row]);
  }
  for (const [key, rows] of out) out.set(key, rows.sort((a, b) => b.last_seen.localeCompare(a.last_seen)).slice(0, EVENTS_PER_OBJECT));
  return out;
}

/** The pods of a pods list answer: no more than kas asked for (limit=), whatever the agent sent. */
export function items(list: unknown): unknown[] {
  return arr(obj(list).items).slice(0, PODS_LIST_LIMIT);
}

/** The message and reason of a Kubernetes Status body (a refusal), or a fallback naming the status. */
export function statusProblem(status: number, body: unknown, fallback: string): Problem {
  const b = obj(body);
  const message = str(b.message);
  return { status, reason: str(b.reason) || `HTTP ${status}`, message: message === "" ? fallback : message };
}
