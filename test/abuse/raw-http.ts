/**
 * HTTP requests with node:http for the console's attacks: the path goes out
 * exactly as written (fetch would normalise `/assets/../x` and `%2e%2e`), any
 * method and headers, and a stream that is opened and kept (or dropped) by hand.
 */
import * as http from "node:http";

export interface RawReply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** One request on its own connection; `body` is sent as given; `localAddress` picks the source (any 127.0.0.x on Linux). */
export function rawRequest(base: string, path: string, options: { method?: string; headers?: Record<string, string>; body?: string; localAddress?: string } = {}): Promise<RawReply> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port, path, method: options.method ?? "GET", headers: options.headers, agent: false, localAddress: options.localAddress }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

export interface OpenStream {
  readonly status: number;
  readonly res: http.IncomingMessage;
  /** Resolves when the connection is gone (either side). */
  readonly closed: Promise<void>;
  drop(): void;
}

/** A GET whose answer stays open (SSE, log follow): resolves once the head arrived. `read: false` never reads the body. */
export function openStream(base: string, path: string, headers: Record<string, string>, read = true): Promise<OpenStream> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.get({ hostname, port, path, headers, agent: false }, (res) => {
      const closed = new Promise<void>((r) => res.socket.once("close", () => r()));
      if (read) res.resume();
      else res.pause();
      resolve({ status: res.statusCode ?? 0, res, closed, drop: () => req.destroy() });
    });
    req.once("error", (err) => (req.destroyed ? undefined : reject(err)));
  });
}

/** A GET left waiting for its answer: whether one came, and a way to drop the connection. */
export function pendingRequest(base: string, path: string, headers: Record<string, string>): { answered: () => boolean; drop: () => void } {
  const { hostname, port } = new URL(base);
  let answered = false;
  const req = http.get({ hostname, port, path, headers, agent: false }, (res) => {
    answered = true;
    res.resume();
  });
  req.on("error", () => undefined);
  return { answered: () => answered, drop: () => req.destroy() };
}
