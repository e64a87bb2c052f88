/**
 * kas's Kubernetes API proxy (issue 17, first slice): kubectl's requests,
 * authenticated as a CI job (`Authorization: Bearer ci:<agent id>:<ID token>`)
 * and authorised by that agent's `ci_access`, go through one of the agent's
 * reverse tunnels to its apiserver, and the answer streams back. Only
 * `access_as: agent` for now. The Authorization header is never forwarded (the
 * agent uses its own credentials) and the token is never logged. Backpressure
 * both ways: a slow client holds the tunnel's reads, not kas's memory; a
 * client that goes away cancels the tunnel.
 */
import { once } from "node:events";
import type * as http from "node:http";
import type { Writable } from "node:stream";
import { F, type Logger } from "../../common";
import type { TunnelHeader, TunnelRequestHead } from "../../rpc";
import { authorizeCiRequest, logDenial, type CiRequestAuthOptions } from "../kubeapi-auth";
import { TunnelUnavailableError, type AgentTunnel, type TunnelRegistry } from "../tunnel";

export interface KubernetesApiProxyDeps {
  readonly auth: CiRequestAuthOptions;
  readonly tunnels: TunnelRegistry;
  readonly logger: Logger;
  /** How long a request waits for one of the agent's tunnels; default 10 s. */
  readonly acquireTimeoutMs?: number;
}

/** Headers kas does not pass on: the caller's credential, and hop-by-hop ones (agentk drops them too). */
export const NOT_FORWARDED = new Set(["authorization", "proxy-authorization", "connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade", "host"]);
/** For an upgrade, Connection and Upgrade go to the agent: they name the protocol it asks its apiserver for. */
const UPGRADE_KEPT = new Set(["connection", "upgrade"]);

/** A Kubernetes Status body, so kubectl prints `message`. */
function status(res: http.ServerResponse, code: number, reason: string, message: string): void {
  if (res.headersSent) return void res.destroy();
  const body = JSON.stringify({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code });
  res.writeHead(code, { "content-type": "application/json", "content-length": Buffer.byteLength(body) }).end(body);
}

export function forwardedHeaders(raw: readonly string[], upgrade = false): TunnelHeader[] {
  const out = new Map<string, string[]>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    if ((NOT_FORWARDED.has(name) && !(upgrade && UPGRADE_KEPT.has(name))) || name.startsWith("impersonate-")) continue;
    out.set(name, [...(out.get(name) ?? []), raw[i + 1] as string]);
  }
  return [...out].map(([name, values]) => ({ name, values }));
}

const UNAVAILABLE: Record<TunnelUnavailableError["reason"], [number, string]> = {
  not_connected: [503, "ServiceUnavailable"],
  no_tunnel: [503, "ServiceUnavailable"],
  busy: [429, "TooManyRequests"],
  aborted: [499, "ClientClosedRequest"],
};

export function kubernetesApiProxy(deps: KubernetesApiProxyDeps): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  return (req, res) => {
    void serve(deps, req, res).catch((err: unknown) => {
      deps.logger.error("Kubernetes API proxy error", { [F.path]: (req.url ?? "").split("?")[0], [F.error]: err });
      status(res, 500, "InternalError", "kas: internal error");
    });
  };
}

/** Why kas answers a request itself instead of forwarding it. */
export interface Refusal {
  readonly code: number;
  readonly reason: string;
  readonly message: string;
}

/** Authenticates and authorises `req`, then takes one of the agent's tunnels; or says why not. Shared with upgrades. */
export async function admit(deps: KubernetesApiProxyDeps, req: http.IncomingMessage, signal: AbortSignal): Promise<{ tunnel: AgentTunnel; agentId: string } | { refusal: Refusal }> {
  const decision = await authorizeCiRequest(req.headers.authorization, deps.auth);
  if (!decision.allowed) {
    logDenial(deps.logger, decision);
    return { refusal: { code: decision.status, reason: decision.status === 401 ? "Unauthorized" : "Forbidden", message: `kas: ${decision.reason}` } };
  }
  if (decision.accessAs.kind !== "agent") {
    return { refusal: { code: 501, reason: "NotImplemented", message: `kas: ${decision.by} grants access as ${decision.accessAs.user} (impersonation); kas serves only access_as: agent so far` } };
  }
  try {
    return { tunnel: await deps.tunnels.acquire(decision.agentId, { signal, timeoutMs: deps.acquireTimeoutMs }), agentId: decision.agentId };
  } catch (err) {
    if (!(err instanceof TunnelUnavailableError)) throw err;
    const [code, reason] = UNAVAILABLE[err.reason];
    return { refusal: { code, reason, message: `kas: ${err.message}` } };
  }
}

async function serve(deps: KubernetesApiProxyDeps, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  // The client going away (before or during the response) cancels the tunnel on both sides.
  const gone = new AbortController();
  res.on("close", () => gone.abort());
  const admitted = await admit(deps, req, gone.signal);
  if ("refusal" in admitted) return status(res, admitted.refusal.code, admitted.refusal.reason, admitted.refusal.message);
  const { tunnel, agentId } = admitted;
  const head: TunnelRequestHead = { method: req.method ?? "GET", path: req.url ?? "/", headers: forwardedHeaders(req.rawHeaders), identity: null };
  let answer;
  try {
    answer = await tunnel.request(head, req as AsyncIterable<Buffer>, gone.signal);
  } catch (err) {
    if (gone.signal.aborted) return;
    return status(res, 502, "BadGateway", `kas: ${err instanceof Error ? err.message : String(err)}`);
  }
  const headers: Record<string, string[]> = {};
  for (const h of answer.head.headers) if (!NOT_FORWARDED.has(h.name)) headers[h.name] = [...h.values];
  res.writeHead(answer.head.status, headers);
  // A watch sends nothing until an event: kubectl should see the head now.
  res.flushHeaders();
  await relayBody(deps, agentId, answer.body, res, gone.signal);
}

/**
 * The agent's bytes to the client, waiting for it to drain; ends `out` at the
 * end. The agent or the client going away mid-body cuts the connection: the
 * client cannot be told more.
 */
export async function relayBody(deps: KubernetesApiProxyDeps, agentId: string, body: AsyncIterable<Buffer>, out: Writable, gone: AbortSignal): Promise<void> {
  try {
    for await (const chunk of body) {
      if (!out.write(chunk)) await once(out, "drain", { signal: gone });
    }
    out.end();
  } catch (err) {
    if (!gone.aborted) deps.logger.info("Kubernetes API response cut", { [F.agentId]: agentId, [F.error]: err });
    out.destroy();
  }
}
