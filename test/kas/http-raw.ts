/**
 * One HTTP request with node:http, reporting what the client saw: a response
 * (status, headers, body) or the connection error (ECONNRESET...). fetch hides
 * the difference between "413" and "reset while sending" behind one TypeError.
 */
import * as http from "node:http";

export type RawResult =
  | { readonly status: number; readonly headers: http.IncomingHttpHeaders; readonly body: string }
  | { readonly error: string };

export function postRaw(url: string, options: { headers?: Record<string, string>; body: Buffer; chunked?: boolean; method?: string }): Promise<RawResult> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = { "content-type": "application/json", ...options.headers };
    if (!options.chunked) headers["content-length"] = String(options.body.length);
    const req = http.request(url, { method: options.method ?? "POST", headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    });
    req.on("error", (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    // In 64 KiB writes, as a client streaming a large body does.
    const step = 64 * 1024;
    const write = (i: number): void => {
      if (i >= options.body.length) return void req.end();
      const ok = req.write(options.body.subarray(i, i + step));
      if (ok) write(i + step);
      else req.once("drain", () => write(i + step));
    };
    write(0);
  });
}
