/**
 * A keep-alive https client for the kubeapi benchmark: one request at a time
 * on one kept-alive connection per endpoint (what a client library does),
 * timed from the call to the last byte, body bytes counted, not kept unless
 * asked.
 */
import * as https from "node:https";
import type { Endpoint } from "./kubeapi-env";

export interface Timed {
  readonly status: number;
  readonly ms: number;
  readonly bytes: number;
  /** 'data' events: how the body arrived (tunnel messages, TLS records, the server's writes). */
  readonly chunks: number;
  /** The body, when asked for. */
  readonly body?: string;
}

export interface TimedClient {
  get(pathAndQuery: string, opts?: { keepBody?: boolean; timeoutMs?: number }): Promise<Timed>;
  /** A request with a JSON body (setup: creating objects), not timed closely. */
  send(method: string, pathAndQuery: string, body: unknown): Promise<Timed>;
  close(): void;
}

export function timedClient(ep: Endpoint, maxSockets = 1): TimedClient {
  const agent = new https.Agent({ keepAlive: true, maxSockets, ca: ep.ca });
  const request = (method: string, pathAndQuery: string, payload: string | undefined, keepBody: boolean, timeoutMs: number): Promise<Timed> =>
    new Promise((resolve, reject) => {
      const t0 = performance.now();
      const headers: Record<string, string> = { accept: "application/json", authorization: `Bearer ${ep.bearer}` };
      if (payload !== undefined) headers["content-type"] = "application/json";
      const req = https.request(new URL(pathAndQuery, ep.server), { method, agent, headers, timeout: timeoutMs }, (res) => {
        let bytes = 0;
        let count = 0;
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => {
          bytes += c.length;
          count++;
          if (keepBody) chunks.push(c);
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0, bytes, chunks: count, body: keepBody ? Buffer.concat(chunks).toString("utf8") : undefined }));
        res.on("error", reject);
      });
      req.on("timeout", () => req.destroy(new Error(`${ep.label} ${method} ${pathAndQuery}: no answer within ${timeoutMs} ms`)));
      req.on("error", reject);
      req.end(payload);
    });
  return {
    get: (p, opts = {}) => request("GET", p, undefined, opts.keepBody ?? false, opts.timeoutMs ?? 60_000),
    send: (method, p, body) => request(method, p, JSON.stringify(body), true, 60_000),
    close: () => agent.destroy(),
  };
}

/** GET that must answer 200; returns the parsed body. */
export async function getJson<T>(client: TimedClient, pathAndQuery: string): Promise<{ value: T; timed: Timed }> {
  const timed = await client.get(pathAndQuery, { keepBody: true });
  if (timed.status !== 200) throw new Error(`GET ${pathAndQuery}: HTTP ${timed.status}: ${(timed.body ?? "").slice(0, 300)}`);
  return { value: JSON.parse(timed.body ?? "") as T, timed };
}
