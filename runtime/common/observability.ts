import * as http from "node:http";
import type { Metrics } from "./metrics";

/** /metrics, /liveness and /readiness on `address` ("host:port"; port 0 picks one). */
export async function listenObservability(
  address: string,
  metrics: Metrics,
  ready: () => boolean,
): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const send = (status: number, type: string, body: string): void => void res.writeHead(status, { "content-type": type }).end(body);
    if (req.method !== "GET") return send(405, "text/plain", "method not allowed\n");
    if (path === "/metrics") return void metrics.render().then((body) => send(200, metrics.contentType, body), (err: Error) => send(500, "text/plain", `${err.message}\n`));
    if (path === "/liveness") return send(200, "text/plain", "ok\n");
    if (path === "/readiness") return ready() ? send(200, "text/plain", "ok\n") : send(503, "text/plain", "not ready\n");
    return send(404, "text/plain", "not found\n");
  });
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(address);
  if (!m) throw new Error(`observability address ${JSON.stringify(address)}: expected host:port or :port`);
  const host = m[1] ?? (m[2] || "0.0.0.0");
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err) => reject(new Error(`cannot listen on ${address}: ${err.message}`)));
    server.listen(Number(m[3]), host, () => resolve());
  });
  return {
    port: (server.address() as { port: number }).port,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
