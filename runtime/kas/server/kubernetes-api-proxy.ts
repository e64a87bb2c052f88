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
import { F, type Logger } from "../../common";
import type { TunnelHeader, TunnelRequestHead } from "../../rpc";
import { authorizeCiRequest, logDenial, type CiRequestAuthOptions } from "../kubeapi-auth";
import { TunnelUnavailableError, type TunnelRegistry } from "../tunnel";

export interface KubernetesApiProxyDeps {
  readonly auth: CiRequestAuthOptions;
  readonly tunnels: TunnelRegistry;
  readonly logger: Logger;
  /** How long a request waits for one of the agent's tunnels; default 10 s. */
  readonly acquireTimeoutMs?: number;
}

/** Headers kas does not pass on: the caller's credential, and hop-by-hop ones (agentk drops them too). */
const NOT_FORWARDED = new Set(["authorization", "proxy-authorization", "connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade", "host"]);

/** A Kubernetes Status body, so kubectl prints `message`. */
function status(res: http.ServerResponse, code: number, reason: string, message: string): void {
  if (res.headersSent) return void res.destroy();
  const body = JSON.stringify({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code });
  res.writeHead(code, { "content-type": "application/json", "content-length": Buffer.byteLength(body) }).end(body);
}

function forwardedHeaders(raw: readonly string[]): TunnelHeader[] {
  const out = new Map<string, string[]>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    if (NOT_FORWARDED.has(name) || name.startsWith("impersonate-")) continue;
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

async function serve(deps: KubernetesApiProxyDeps, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const decision = await authorizeCiRequest(req.headers.authorization, deps.auth);
  if (!decision.allowed) {
    logDenial(deps.logger, decision);
    return status(res, decision.status, decision.status === 401 ? "Unauthorized" : "Forbidden", `kas: ${decision.reason}`);
  }
  if (decision.accessAs.kind !== "agent") {
    return status(res, 501, "NotImplemented", `kas: ${decision.by} grants access as ${decision.accessAs.user} (impersonation); kas serves only access_as: agent so far`);
  }
  // The client going away (before or during the response) cancels the tunnel on both sides.
  const gone = new AbortController();
  res.on("close", () => gone.abort());
  let tunnel;
  try {
    tunnel = await deps.tunnels.acquire(decision.agentId, { signal: gone.signal, timeoutMs: deps.acquireTimeoutMs });
  } catch (err) {
    if (!(err instanceof TunnelUnavailableError)) throw err;
    const [code, reason] = UNAVAILABLE[err.reason];
    return status(res, code, reason, `kas: ${err.message}`);
  }
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
  try {
    for await (const chunk of answer.body) {
      if (!res.write(chunk)) await once(res, "drain", { signal: gone.signal });
    }
    res.end();
  } catch (err) {
    // The agent or the client went away mid-body: the client cannot be told more than a cut connection.
    if (!gone.signal.aborted) deps.logger.info("Kubernetes API response cut", { [F.agentId]: decision.agentId, [F.error]: err });
    res.destroy();
  }
}
