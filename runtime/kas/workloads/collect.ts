/**
 * GET /api/v1/agents/<id>/workloads: for each Deployment and StatefulSet the
 * agent's last reports name, the workload (its selector), its pods and the
 * newest events of the pods and the workload, each read through the agent's
 * tunnel as the viewer may. A read the apiserver (or kas) refuses is shown
 * with its reason in place of the rows, never as an empty list.
 */
import type { ConsoleViewer } from "../console";
import { get, isProblem, type WorkloadsDeps } from "./access";
import { eventsByObject, items, labelSelector, managedWorkloads, MAX_WORKLOADS, podRow, statusProblem, type EventRow, type Problem, type WorkloadRef, type WorkloadsAnswer, type WorkloadView } from "./model";
import { eventsPath, podsPath, workloadPath } from "./requests";

/** A list or object answer is read whole up to this; a bigger one is refused (502), not buffered. */
export const MAX_JSON_BYTES = 8 * 1024 * 1024;
/**
 * Objects and arrays an answer may hold (counted as '{' and '[' bytes, strings
 * included: an upper bound). Memory goes with them, not with bytes: 8 MiB of
 * `{},` parse into 2.8 million objects, some 200 MiB of heap. 100 pods with
 * their managedFields or 500 events hold a few tens of thousands.
 */
export const MAX_JSON_NODES = 200_000;

/** undefined: kas knows no such agent. */
export async function collectWorkloads(deps: WorkloadsDeps, viewer: ConsoleViewer, agentId: string, signal: AbortSignal): Promise<WorkloadsAnswer | undefined> {
  const agent = (await deps.shared.agents()).agents.find((a) => a.id === agentId);
  if (agent === undefined) return undefined;
  const refs = managedWorkloads(agent);
  const shown = refs.slice(0, MAX_WORKLOADS);
  const now = (deps.now ?? Date.now)();
  const read = (path: string): Promise<Read> => readJson(deps, viewer, agentId, path, signal);
  const events = new Map<string, Promise<Map<string, EventRow[]> | Problem>>();
  const eventsOf = (ns: string): Promise<Map<string, EventRow[]> | Problem> => {
    if (!events.has(ns)) events.set(ns, read(eventsPath(ns)).then((r) => (r.ok ? eventsByObject(r.value) : r.problem)));
    return events.get(ns)!;
  };
  const workloads: WorkloadView[] = [];
  // One read at a time: each takes one of the agent's tunnels, which its other users need too.
  for (const ref of shown) {
    if (signal.aborted) break;
    workloads.push(await oneWorkload(ref, read, await eventsOf(ref.namespace), now));
  }
  return { agent: { id: agent.id, name: agent.name, connected: agent.connected }, workloads, omitted: refs.length - shown.length };
}

async function oneWorkload(ref: WorkloadRef, read: (path: string) => Promise<Read>, events: Map<string, EventRow[]> | Problem, now: number): Promise<WorkloadView> {
  const eventsPart = events instanceof Map ? { events: events.get(`${ref.kind}/${ref.name}`) ?? [] } : { events: [], events_error: events };
  const podEvents = (name: string): EventRow[] => (events instanceof Map ? (events.get(`Pod/${name}`) ?? []) : []);
  const base = { kind: ref.kind, namespace: ref.namespace, name: ref.name };
  const workload = await read(workloadPath(ref.kind, ref.namespace, ref.name));
  if (!workload.ok) return { ...base, error: workload.problem, pods: [], ...eventsPart };
  const sel = labelSelector(workload.value);
  if ("reason" in sel) return { ...base, error: { status: 422, reason: "Invalid", message: `kas: ${ref.kind} ${ref.namespace}/${ref.name}: ${sel.reason}` }, pods: [], ...eventsPart };
  const pods = await read(podsPath(ref.namespace, sel.selector));
  if (!pods.ok) return { ...base, selector: sel.selector, pods: [], pods_error: pods.problem, ...eventsPart };
  const rows = items(pods.value).map((p) => podRow(p, now));
  return { ...base, selector: sel.selector, pods: rows.map((r) => ({ ...r, events: podEvents(r.name) })).sort((a, b) => a.name.localeCompare(b.name)), ...eventsPart };
}

type Read = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly problem: Problem };
const problem = (p: Problem): Read => ({ ok: false, problem: p });

/** GET `path` as the viewer; the parsed JSON of a 200, else the Status as a Problem. Its own signal: the credential slot goes back at the end. */
async function readJson(deps: WorkloadsDeps, viewer: ConsoleViewer, agentId: string, path: string, outer: AbortSignal): Promise<Read> {
  const done = new AbortController();
  const signal = AbortSignal.any([outer, done.signal]);
  try {
    const answer = await get(deps, viewer, agentId, path, signal, [{ name: "accept", values: ["application/json"] }]);
    if (isProblem(answer)) return problem(answer);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of answer.body) {
      size += c.length;
      if (size > MAX_JSON_BYTES) return problem({ status: 502, reason: "BadGateway", message: `kas: agent ${agentId}'s answer to ${path.split("?")[0]} is over ${MAX_JSON_BYTES} bytes` });
      chunks.push(c);
    }
    const whole = Buffer.concat(chunks);
    if (containers(whole) > MAX_JSON_NODES) return problem({ status: 502, reason: "BadGateway", message: `kas: agent ${agentId}'s answer to ${path.split("?")[0]} holds over ${MAX_JSON_NODES} JSON objects and arrays` });
    let body: unknown;
    try {
      body = JSON.parse(whole.toString("utf8"));
    } catch {
      body = undefined;
    }
    if (answer.head.status !== 200 || body === undefined) return problem(statusProblem(answer.head.status === 200 ? 502 : answer.head.status, body, `kas: agent ${agentId} answered ${path.split("?")[0]} with HTTP ${answer.head.status}${body === undefined ? " and a body that is not JSON" : ""}`));
    return { ok: true, value: body };
  } catch (err) {
    return problem({ status: 502, reason: "BadGateway", message: `kas: agent ${agentId}: ${err instanceof Error ? err.message : String(err)}` });
  } finally {
    done.abort();
  }
}

/** The '{' and '[' bytes of `b`: at least as many as the objects and arrays it parses into. */
function containers(b: Buffer): number {
  let n = 0;
  for (let i = 0; i < b.length; i++) if (b[i] === 0x7b || b[i] === 0x5b) n++;
  return n;
}
