import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import type { ClusterAccess } from "../../runtime/agentk/kube";

/** What the proxy does with one request: pass it on, answer it with an error status, or cut the connection. */
export type ProxyAction = "pass" | "reset" | { readonly status: number; readonly reason?: string };

export interface FailingProxy {
  /** Access to the apiserver through the proxy, with the upstream access's credentials. */
  readonly access: ClusterAccess;
  /** Every request seen, as "METHOD /path" (query left out), in order. */
  readonly seen: string[];
  close(): Promise<void>;
}

/**
 * A real HTTP server on loopback in front of the apiserver: each request is
 * forwarded (over TLS, with the caller's own Authorization), unless `decide`
 * fails it with a 5xx Status or a reset socket. For the failures a real
 * apiserver will not produce on demand; everything else is the real server.
 */
export async function startFailingProxy(upstream: ClusterAccess, decide: (method: string, path: string) => ProxyAction): Promise<FailingProxy> {
  const seen: string[] = [];
  const agent = new https.Agent({ keepAlive: true, ca: upstream.tls.ca, cert: upstream.tls.cert, key: upstream.tls.key, rejectUnauthorized: upstream.tls.rejectUnauthorized });
  const server = http.createServer((req, res) => {
    const method = req.method ?? "GET";
    const path = new URL(req.url ?? "/", "http://proxy").pathname;
    seen.push(`${method} ${path}`);
    const action = decide(method, path);
    if (action === "reset") {
      req.socket.destroy();
      return;
    }
    if (action !== "pass") {
      const reason = action.reason ?? "ServiceUnavailable";
      res.writeHead(action.status, { "content-type": "application/json" });
      res.end(JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", reason, code: action.status, message: `injected by the test proxy: ${reason}` }));
      return;
    }
    const out = https.request(new URL(req.url ?? "/", upstream.server), { method, headers: { ...req.headers, host: upstream.server.host }, agent }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.on("error", () => req.socket.destroy());
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    access: { server: new URL(`http://127.0.0.1:${port}`), tls: { rejectUnauthorized: true }, headers: () => upstream.headers(), source: "failing proxy" },
    seen,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
