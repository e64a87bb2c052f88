/**
 * kas's Kubernetes API proxy (issue 17): kubectl's requests, authenticated as
 * a CI job (`Authorization: Bearer ci:<agent id>:<ID token>`) and authorised
 * by that agent's `ci_access`, go through one of the agent's reverse tunnels
 * to its apiserver, and the answer streams back. A request runs as the agent
 * or, for `impersonate`/`ci_job`, as the identity kas names (agentk adds the
 * Impersonate-* headers; the apiserver checks its right to). The
 * Authorization header is never forwarded (the agent uses its own
 * credentials) and the token is never logged. Backpressure both ways: a slow
 * client holds the tunnel's reads, not kas's memory; a client that goes away
 * cancels the tunnel. Limits (kas.yaml `kubernetes_api:`): requests per
 * credential (429 with Retry-After), request body bytes (413), and a client
 * that kas waits on (for body bytes, or to read) for the idle time is cut.
 */
import type * as http from "node:http";
import type { Writable } from "node:stream";
import { F, type Logger } from "../../common";
import { isAgentkOwnPath, type TunnelHeader, type TunnelIdentity, type TunnelRequestHead } from "../../rpc";
import { DEFAULT_KUBERNETES_API_LIMITS, type KubernetesApiLimits } from "../config";
import { authorizeRequest, credentialFingerprint, logDenial, parseBearer, refusalReason, type CiRequestAuthOptions } from "../kubeapi-auth";
import { TunnelUnavailableError, UNAVAILABLE_HTTP, type Tunnel, type TunnelSource } from "../tunnel";
import { BodyLimitError, CredentialLimiter, drained, limitedBody, StalledReaderError, stripPrefix } from "./kubernetes-api-limits";
import { sendRefusal, type Refusal } from "./kubernetes-api-status";
import { impersonationRefusal, tunnelIdentity } from "./tunnel-identity";
import type { Finale } from "./stream-finale";
import { isJsonWatch, watchFinale } from "./watch-finale";

export type { Refusal } from "./kubernetes-api-status";

export interface KubernetesApiProxyDeps {
  readonly auth: CiRequestAuthOptions;
  readonly tunnels: TunnelSource;
  readonly logger: Logger;
  /** How long a request waits for one of the agent's tunnels; default 10 s. */
  readonly acquireTimeoutMs?: number;
  /** Default DEFAULT_KUBERNETES_API_LIMITS. */
  readonly limits?: KubernetesApiLimits;
  /** Open requests per credential; default one of its own with limits.maxRequestsPerCredential. */
  readonly credentials?: CredentialLimiter;
}

/** Headers past this many are refused (431); their bytes are bounded by kubernetes_api.max_header_bytes. */
export const MAX_HEADER_COUNT = 100;

/** Headers kas does not pass on: the caller's credential, and hop-by-hop ones (agentk drops them too). */
export const NOT_FORWARDED = new Set(["authorization", "proxy-authorization", "connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade", "host"]);
/** For an upgrade, Connection and Upgrade go to the agent: they name the protocol it asks its apiserver for. */
const UPGRADE_KEPT = new Set(["connection", "upgrade"]);

export function forwardedHeaders(raw: readonly string[], upgrade = false): TunnelHeader[] {
  const out = new Map<string, string[]>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    if ((NOT_FORWARDED.has(name) && !(upgrade && UPGRADE_KEPT.has(name))) || name.startsWith("impersonate-")) continue;
    out.set(name, [...(out.get(name) ?? []), raw[i + 1] as string]);
  }
  return [...out].map(([name, values]) => ({ name, values }));
}

/** The proxy's deps with every default filled in. */
export type ProxyDeps = KubernetesApiProxyDeps & { readonly limits: KubernetesApiLimits; readonly credentials: CredentialLimiter };

export function withDefaults(deps: KubernetesApiProxyDeps): ProxyDeps {
  const limits = deps.limits ?? DEFAULT_KUBERNETES_API_LIMITS;
  return { ...deps, limits, credentials: deps.credentials ?? new CredentialLimiter(limits.maxRequestsPerCredential) };
}

export function kubernetesApiProxy(deps0: KubernetesApiProxyDeps): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  const deps = withDefaults(deps0);
  return (req, res) => {
    void serve(deps, req, res).catch((err: unknown) => {
      deps.logger.error("Kubernetes API proxy error", { [F.path]: (req.url ?? "").split("?")[0], [F.error]: err });
      sendRefusal(res, { code: 500, reason: "InternalError", message: "kas: internal error" }, req.url ?? "/");
    });
  };
}

/** A refusal before authentication: outside the path prefix, or too many headers. `path`: what to forward. */
export function preCheck(deps: ProxyDeps, req: http.IncomingMessage): { path: string } | { refusal: Refusal } {
  const url = req.url ?? "/";
  const path = stripPrefix(url, deps.limits.pathPrefix);
  if (path === undefined) return { refusal: { code: 404, reason: "NotFound", message: `kas: the Kubernetes API is served under ${deps.limits.pathPrefix}/, not at ${url.split("?")[0]}` } };
  // agentk answers these itself, as its own ServiceAccount: only kas's own endpoints (kas's preview) may reach them.
  if (isAgentkOwnPath(path)) return { refusal: { code: 404, reason: "NotFound", message: `kas: ${path.split("?")[0]} is agentk's own path, not part of the Kubernetes API` } };
  if (req.rawHeaders.length / 2 > MAX_HEADER_COUNT) return { refusal: { code: 431, reason: "RequestHeaderFieldsTooLarge", message: `kas: more than ${MAX_HEADER_COUNT} request headers`, close: true } };
  return { path };
}

/**
 * Authenticates and authorises `req`, takes one of its credential's request
 * slots until `signal` aborts (the response or connection closing), then one
 * of the agent's tunnels; or says why not. Shared with upgrades.
 */
export async function admit(deps: ProxyDeps, req: http.IncomingMessage, signal: AbortSignal): Promise<Admission> {
  return admitAuthorization(deps, req.headers.authorization, signal);
}

/** A tunnel of the agent and the identity to run as, or why not. */
export type Admission = { tunnel: Tunnel; agentId: string; identity: TunnelIdentity | null } | { refusal: Refusal };

/** admit() for an Authorization header value: also what kas's console reads pods and logs with for a GitLab user (runtime/kas/workloads). */
export async function admitAuthorization(deps: ProxyDeps, authorization: string | undefined, signal: AbortSignal): Promise<Admission> {
  const decision = await authorizeRequest(authorization, deps.auth);
  if (!decision.allowed) {
    logDenial(deps.logger, decision);
    return { refusal: { code: decision.status, reason: refusalReason(decision.status), message: `kas: ${decision.reason}` } };
  }
  const bearer = parseBearer(authorization);
  const key = bearer.ok ? credentialFingerprint(bearer.token) : "";
  if (!deps.credentials.take(key, signal)) {
    deps.logger.warn("Kubernetes API request refused: too many requests for one credential", { [F.agentId]: decision.agentId, [F.key]: key });
    const message = `kas: this credential already has ${deps.credentials.max} requests open; at most ${deps.credentials.max} (kubernetes_api.max_requests_per_credential)`;
    return { refusal: { code: 429, reason: "TooManyRequests", message, retryAfterSeconds: 1 } };
  }
  const identity = tunnelIdentity(decision.accessAs);
  try {
    const tunnel = await deps.tunnels.acquire(decision.agentId, { signal, timeoutMs: deps.acquireTimeoutMs });
    const refused = impersonationRefusal(identity, tunnel.capabilities, decision.agentId, decision.by);
    if (refused !== undefined) {
      tunnel.cancel("not used: the agent does not impersonate");
      deps.logger.warn("Kubernetes API request refused: the agent does not impersonate", { [F.agentId]: decision.agentId, [F.reason]: refused });
      return { refusal: { code: 403, reason: "Forbidden", message: `kas: ${refused}` } };
    }
    return { tunnel, agentId: decision.agentId, identity };
  } catch (err) {
    if (!(err instanceof TunnelUnavailableError)) throw err;
    const [code, reason] = UNAVAILABLE_HTTP[err.reason];
    return { refusal: { code, reason, message: `kas: ${err.message}`, ...(code === 429 ? { retryAfterSeconds: 1 } : {}) } };
  }
}

async function serve(deps: ProxyDeps, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const refuse = (r: Refusal): void => sendRefusal(res, r, path);
  let path = req.url ?? "/";
  const checked = preCheck(deps, req);
  if ("refusal" in checked) return refuse(checked.refusal);
  path = checked.path;
  const { maxRequestBodyBytes: maxBody, idleTimeoutMs } = deps.limits;
  const length = Number(req.headers["content-length"] ?? 0);
  if (length > maxBody) return tooLarge(deps, req, res, path);
  // The client going away (before or during the response) cancels the tunnel on both sides.
  const gone = new AbortController();
  res.on("close", () => gone.abort());
  const admitted = await admit(deps, req, gone.signal);
  if ("refusal" in admitted) return refuse(admitted.refusal);
  const { tunnel, agentId, identity } = admitted;
  const head: TunnelRequestHead = { method: req.method ?? "GET", path, headers: forwardedHeaders(req.rawHeaders), identity };
  let limited: BodyLimitError | undefined;
  const body = limitedBody(req as AsyncIterable<Buffer>, maxBody, idleTimeoutMs, (err) => (limited = err));
  let answer;
  try {
    answer = await tunnel.request(head, body, gone.signal);
  } catch (err) {
    if (gone.signal.aborted) return;
    if (limited) return bodyRefused(deps, req, res, path, agentId, limited);
    return refuse({ code: 502, reason: "BadGateway", message: `kas: ${err instanceof Error ? err.message : String(err)}` });
  }
  const headers: Record<string, string[]> = {};
  for (const h of answer.head.headers) if (!NOT_FORWARDED.has(h.name)) headers[h.name] = [...h.values];
  res.writeHead(answer.head.status, headers);
  // A watch sends nothing until an event: kubectl should see the head now.
  res.flushHeaders();
  await relayBody(deps, agentId, answer.body, res, gone.signal, isJsonWatch(head.path, answer.head.headers) ? watchFinale() : undefined);
  // The body limit hit after the apiserver answered: the answer may be cut, the rest of the body is not read.
  if (limited) bodyRefused(deps, req, res, path, agentId, limited);
}

/** A Content-Length over the limit: 413 before anything is read, then the connection closes. */
function tooLarge(deps: ProxyDeps, req: http.IncomingMessage, res: http.ServerResponse, path: string): void {
  const max = deps.limits.maxRequestBodyBytes;
  sendRefusal(res, { code: 413, reason: "RequestEntityTooLarge", message: `kas: the request body is larger than ${max} bytes (kubernetes_api.max_request_body_bytes)`, close: true }, path);
  dropRest(req, max);
}

function bodyRefused(deps: ProxyDeps, req: http.IncomingMessage, res: http.ServerResponse, path: string, agentId: string, err: BodyLimitError): void {
  deps.logger.info("Kubernetes API request body refused", { [F.agentId]: agentId, [F.reason]: err.message });
  if (err.kind === "idle") {
    // The client sends nothing more: once the answer is out the connection goes, whatever the client does.
    res.once("finish", () => req.socket.destroy());
    return sendRefusal(res, { code: 408, reason: "Timeout", message: `kas: ${err.message}`, close: true }, path);
  }
  sendRefusal(res, { code: 413, reason: "RequestEntityTooLarge", message: `kas: ${err.message} (kubernetes_api.max_request_body_bytes)`, close: true }, path);
  dropRest(req, deps.limits.maxRequestBodyBytes);
}

/**
 * Reads and drops the rest of a refused body (at most `max` more bytes and
 * 10 s), so the client gets the answer rather than a reset; then closes.
 */
function dropRest(req: http.IncomingMessage, max: number): void {
  let dropped = 0;
  const timer = setTimeout(() => req.socket.destroy(), 10_000);
  timer.unref();
  req.on("data", (c: Buffer) => {
    dropped += c.length;
    if (dropped > max) req.socket.destroy();
  });
  req.once("close", () => clearTimeout(timer));
  req.resume();
}

/**
 * The agent's bytes to the client, waiting for it to drain (a client that
 * reads nothing for the idle time is cut); ends `out` at the end. The agent
 * or the client going away mid-body cuts the connection; a `finale`
 * (stream-finale.ts) first tells the client why when it can.
 */
export async function relayBody(deps: ProxyDeps, agentId: string, body: AsyncIterable<Buffer>, out: Writable, gone: AbortSignal, finale?: Finale): Promise<void> {
  try {
    for await (const chunk of body) {
      finale?.track(chunk);
      if (!out.write(chunk)) await drained(out, gone, deps.limits.idleTimeoutMs);
    }
    out.end();
  } catch (err) {
    if (err instanceof StalledReaderError) deps.logger.info("Kubernetes API response cut: the client reads nothing", { [F.agentId]: agentId, [F.reason]: err.message });
    else if (!gone.aborted) {
      deps.logger.info("Kubernetes API response cut", { [F.agentId]: agentId, [F.error]: err });
      if (finale?.atBoundary()) return void out.end(finale.bytes(err));
    }
    out.destroy();
  }
}
