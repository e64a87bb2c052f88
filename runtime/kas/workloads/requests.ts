/**
 * The only Kubernetes API requests the console's workloads send through an
 * agent's tunnel, built here from checked names (routes.ts), and the rule for
 * kas's operator (the `api-token` viewer), who reads as the agent itself:
 * GET of one Deployment or StatefulSet (its selector), GET of pods by label
 * selector, GET of one pod, GET of a namespace's events, GET of a pod's log;
 * nothing else, whatever the caller asks. Pure.
 */
import type { LogQuery } from "./routes";

/** The workload kinds whose pods the console shows, and where the apiserver serves them. */
export const WORKLOAD_RESOURCES: Readonly<Record<string, string>> = { Deployment: "deployments", StatefulSet: "statefulsets" };

/** Events read per namespace (newest kept per object, events.ts). */
export const EVENTS_LIST_LIMIT = 500;
/** Pods listed per workload. */
export const PODS_LIST_LIMIT = 100;

const seg = encodeURIComponent;

export function workloadPath(kind: string, namespace: string, name: string): string {
  const resource = WORKLOAD_RESOURCES[kind];
  if (resource === undefined) throw new Error(`kas: ${kind} is not a workload kind the console reads (${Object.keys(WORKLOAD_RESOURCES).join(", ")})`);
  return `/apis/apps/v1/namespaces/${seg(namespace)}/${resource}/${seg(name)}`;
}

export function podsPath(namespace: string, labelSelector: string): string {
  return `/api/v1/namespaces/${seg(namespace)}/pods?${new URLSearchParams({ labelSelector, limit: String(PODS_LIST_LIMIT) }).toString()}`;
}

export function podPath(namespace: string, pod: string): string {
  return `/api/v1/namespaces/${seg(namespace)}/pods/${seg(pod)}`;
}

export function eventsPath(namespace: string): string {
  return `/api/v1/namespaces/${seg(namespace)}/events?limit=${EVENTS_LIST_LIMIT}`;
}

export function logPath(namespace: string, pod: string, q: LogQuery): string {
  const query = new URLSearchParams({ ...(q.container === undefined ? {} : { container: q.container }), follow: String(q.follow), tailLines: String(q.tailLines), limitBytes: String(q.limitBytes) });
  return `${podPath(namespace, pod)}/log?${query.toString()}`;
}

const NAME = "[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?";
const NS = "[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?";
/** What kas's operator may read as the agent: path (before '?') patterns, GET only. */
const OPERATOR_READS: readonly RegExp[] = [
  new RegExp(`^/apis/apps/v1/namespaces/${NS}/(deployments|statefulsets)/${NAME}$`),
  new RegExp(`^/api/v1/namespaces/${NS}/pods$`),
  new RegExp(`^/api/v1/namespaces/${NS}/pods/${NAME}$`),
  new RegExp(`^/api/v1/namespaces/${NS}/events$`),
  new RegExp(`^/api/v1/namespaces/${NS}/pods/${NAME}/log$`),
];
const QUERY_KEYS = new Set(["labelSelector", "limit", "container", "follow", "tailLines", "limitBytes"]);

/** Why kas's operator may not send this request as the agent, or undefined when it may. */
export function operatorRefusal(method: string, path: string): string | undefined {
  const [pathname = "", query = ""] = path.split("?", 2);
  if (method !== "GET") return `kas: the operator reads workloads with GET only, not ${method}`;
  if (!OPERATOR_READS.some((re) => re.test(pathname))) return `kas: ${pathname} is not one of the read-only requests the operator may make as the agent (a workload, pods, a pod, events, a pod's log)`;
  const unknown = [...new URLSearchParams(query).keys()].find((k) => !QUERY_KEYS.has(k));
  if (unknown !== undefined) return `kas: query parameter ${unknown} is not one the operator's reads use`;
  return undefined;
}
