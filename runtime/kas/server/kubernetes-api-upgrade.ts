/**
 * Upgraded connections through kas's Kubernetes API proxy (`kubectl exec`,
 * `attach`, `port-forward`: WebSocket or SPDY). Admission is the same as for
 * plain requests; Connection and Upgrade go to the agent, which asks its
 * apiserver for the upgrade. On 101 the status line and headers go to the
 * client and then raw bytes flow both ways, each direction waiting for the
 * other to drain. Either side closing ends both; the agent's side breaking
 * ends a WebSocket exec with a Status saying why (exec-finale.ts). Any other
 * answer, or a refusal by kas, is an ordinary HTTP response on the socket,
 * then close.
 */
import * as http from "node:http";
import type { Duplex } from "node:stream";
import { F } from "../../common";
import type { TunnelHeader, TunnelRequestHead } from "../../rpc";
import { execFinale, isChannelWebSocket } from "./exec-finale";
import { admit, forwardedHeaders, NOT_FORWARDED, preCheck, relayBody, withDefaults, type KubernetesApiProxyDeps, type ProxyDeps } from "./kubernetes-api-proxy";
import { rawRefusal, type Refusal } from "./kubernetes-api-status";

export type UpgradeHandler = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void;

/** `deps` shares its credential limiter with the plain requests' proxy (withDefaults). */
export function kubernetesApiUpgrade(deps0: KubernetesApiProxyDeps): UpgradeHandler {
  const deps = withDefaults(deps0);
  return (req, socket, head) => {
    void serveUpgrade(deps, req, socket, head).catch((err: unknown) => {
      deps.logger.error("Kubernetes API proxy error (upgrade)", { [F.path]: (req.url ?? "").split("?")[0], [F.error]: err });
      refuse(socket, { code: 500, reason: "InternalError", message: "kas: internal error" }, req.url ?? "/");
    });
  };
}

function statusLine(code: number, headers: readonly (readonly [string, string])[]): string {
  return `HTTP/1.1 ${code} ${http.STATUS_CODES[code] ?? "Unknown"}\r\n${headers.map(([n, v]) => `${n}: ${v}\r\n`).join("")}\r\n`;
}

/** kas's answer as a whole HTTP response, then the connection ends. */
function refuse(socket: Duplex, r: Refusal, path: string): void {
  if (socket.destroyed) return;
  socket.end(rawRefusal(r, path));
}

/** The client's bytes for the agent: what arrived with the request head, then the socket's. */
async function* clientBytes(socket: Duplex, head: Buffer): AsyncGenerator<Buffer> {
  if (head.length > 0) yield head;
  yield* socket as AsyncIterable<Buffer>;
}

function responseHeaders(headers: readonly TunnelHeader[], upgraded: boolean): [string, string][] {
  const out: [string, string][] = [];
  for (const h of headers) {
    if (NOT_FORWARDED.has(h.name) && !(upgraded && (h.name === "connection" || h.name === "upgrade"))) continue;
    for (const v of h.values) out.push([h.name, v]);
  }
  // Not upgraded: the body runs to the end of the connection.
  if (!upgraded) out.push(["connection", "close"]);
  return out;
}

async function serveUpgrade(deps: ProxyDeps, req: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
  const gone = new AbortController();
  socket.on("close", () => gone.abort());
  socket.on("error", () => gone.abort());
  const checked = preCheck(deps, req);
  if ("refusal" in checked) return refuse(socket, checked.refusal, req.url ?? "/");
  const { path } = checked;
  const admitted = await admit(deps, req, gone.signal);
  if ("refusal" in admitted) return refuse(socket, admitted.refusal, path);
  const { tunnel, agentId, identity } = admitted;
  const request: TunnelRequestHead = { method: req.method ?? "GET", path, headers: forwardedHeaders(req.rawHeaders, true), identity };
  let answer;
  try {
    answer = await tunnel.request(request, clientBytes(socket, head), gone.signal);
  } catch (err) {
    if (gone.signal.aborted) return;
    return refuse(socket, { code: 502, reason: "BadGateway", message: `kas: ${err instanceof Error ? err.message : String(err)}` }, path);
  }
  const upgraded = answer.head.status === 101;
  socket.write(statusLine(answer.head.status, responseHeaders(answer.head.headers, upgraded)));
  await relayBody(deps, agentId, answer.body, socket, gone.signal, upgraded && isChannelWebSocket(answer.head.headers) ? execFinale() : undefined);
}
