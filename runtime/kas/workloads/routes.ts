/**
 * The console's workloads URLs (issue 21), parsed and checked before anything
 * is read: the agent id as kas's bearer credentials spell it, namespaces and
 * container names DNS-1123 labels, pod names DNS-1123 subdomains, and the log
 * query within bounds. Pure.
 */

/** A route of this folder, or a 400 naming what is wrong and what was expected. */
export type WorkloadsRoute =
  | { readonly kind: "workloads-json"; readonly agentId: string }
  | { readonly kind: "workloads-page"; readonly agentId: string }
  | { readonly kind: "asset" }
  | { readonly kind: "log"; readonly agentId: string; readonly namespace: string; readonly pod: string; readonly query: LogQuery }
  | { readonly kind: "not-found"; readonly message: string }
  | { readonly kind: "bad-request"; readonly message: string };

export interface LogQuery {
  readonly container?: string;
  readonly follow: boolean;
  readonly tailLines: number;
  readonly limitBytes: number;
}

export const ASSET_PATH = "/assets/workloads.js";
/** Lines of the log's end sent first; the default and the most a request may ask for. */
export const DEFAULT_TAIL_LINES = 200;
export const MAX_TAIL_LINES = 5_000;
/** Bytes of log one request streams at most (the apiserver's limitBytes); a request may ask for fewer. */
export const MAX_LOG_BYTES = 16 * 1024 * 1024;

/** As runtime/kas/kubeapi-auth's bearer credentials: GitLab's numeric ids, the file registry's names. */
const AGENT_ID = /^[A-Za-z0-9._-]{1,64}$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function isDnsLabel(s: string): boolean {
  return DNS_LABEL.test(s);
}

export function isDnsSubdomain(s: string): boolean {
  return s.length <= 253 && s.split(".").every((part) => DNS_LABEL.test(part));
}

const bad = (message: string): WorkloadsRoute => ({ kind: "bad-request", message });

/** `path` without its query; `search` the URL's query string. undefined: not a workloads URL (someone else's). */
export function parseRoute(path: string, search: URLSearchParams): WorkloadsRoute | undefined {
  if (path === ASSET_PATH) return { kind: "asset" };
  const parts = path.split("/");
  // ["", "agents", id, "workloads"]
  if (parts.length === 4 && parts[1] === "agents" && parts[3] === "workloads") return withAgent(parts[2]!, (agentId) => ({ kind: "workloads-page", agentId }));
  if (parts[1] !== "api" || parts[2] !== "v1" || parts[3] !== "agents" || parts.length < 6) return undefined;
  const rawId = parts[4]!;
  if (parts.length === 6 && parts[5] === "workloads") return withAgent(rawId, (agentId) => ({ kind: "workloads-json", agentId }));
  if (parts[5] !== "pods") return undefined;
  // ["", "api", "v1", "agents", id, "pods", ns, pod, "log"]
  if (parts.length !== 9 || parts[8] !== "log") {
    return { kind: "not-found", message: "kas: under /api/v1/agents/<agent id>/pods/ only <namespace>/<pod>/log is served (read-only: no exec, attach, port-forward or other subresource)" };
  }
  return withAgent(rawId, (agentId) => {
    const namespace = decode(parts[6]!);
    const pod = decode(parts[7]!);
    if (namespace === undefined || !isDnsLabel(namespace)) return bad(`kas: namespace ${JSON.stringify(parts[6])} in the URL: expected a DNS-1123 label (lower-case letters, digits, '-', at most 63)`);
    if (pod === undefined || !isDnsSubdomain(pod)) return bad(`kas: pod name ${JSON.stringify(parts[7])} in the URL: expected a DNS-1123 subdomain (lower-case letters, digits, '-', '.', at most 253)`);
    const query = parseLogQuery(search);
    return "message" in query ? bad(query.message) : { kind: "log", agentId, namespace, pod, query };
  });
}

function withAgent(raw: string, then: (agentId: string) => WorkloadsRoute): WorkloadsRoute {
  const id = decode(raw);
  if (id === undefined || !AGENT_ID.test(id)) return bad(`kas: agent id ${JSON.stringify(raw)} in the URL: expected letters, digits, '.', '_' or '-' (at most 64)`);
  return then(id);
}

function decode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/** ?container=&follow=true&tailLines=N&limitBytes=N, each checked. */
export function parseLogQuery(search: URLSearchParams): LogQuery | { message: string } {
  const container = search.get("container") ?? "";
  if (container !== "" && !isDnsLabel(container)) return { message: `kas: container ${JSON.stringify(container)}: expected a DNS-1123 label` };
  const follow = search.get("follow") ?? "false";
  if (follow !== "true" && follow !== "false") return { message: `kas: follow=${JSON.stringify(follow)}: expected true or false` };
  const tailLines = count(search.get("tailLines"), "tailLines", DEFAULT_TAIL_LINES, MAX_TAIL_LINES);
  if (typeof tailLines !== "number") return tailLines;
  const limitBytes = count(search.get("limitBytes"), "limitBytes", MAX_LOG_BYTES, MAX_LOG_BYTES);
  if (typeof limitBytes !== "number") return limitBytes;
  return { ...(container === "" ? {} : { container }), follow: follow === "true", tailLines, limitBytes };
}

function count(raw: string | null, name: string, fallback: number, max: number): number | { message: string } {
  if (raw === null || raw === "") return fallback;
  if (!/^[0-9]{1,9}$/.test(raw) || Number(raw) > max || (name === "limitBytes" && Number(raw) === 0)) {
    return { message: `kas: ${name}=${JSON.stringify(raw)}: expected a whole number from ${name === "limitBytes" ? 1 : 0} to ${max}` };
  }
  return Number(raw);
}
