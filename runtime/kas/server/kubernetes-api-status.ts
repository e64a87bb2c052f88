/**
 * kas's own answers on the Kubernetes API listener (refusals, limits): a
 * Kubernetes Status body, so kubectl prints kas's reason. client-go reads a
 * Status from an error response only where it decodes the body into an
 * object; discovery (`/api`, `/apis`, `/apis/<group>[/<version>]`,
 * `/version`, `/openapi/...`) reads raw bytes and shows the message only of a
 * text/plain body ("Error from server (Forbidden): unknown" otherwise), so
 * there kas answers the message as text/plain.
 */
import * as http from "node:http";

/** Why kas answers a request itself instead of forwarding it. */
export interface Refusal {
  readonly code: number;
  readonly reason: string;
  readonly message: string;
  /** Seconds, sent as Retry-After (client-go waits and retries a 429 that has it). */
  readonly retryAfterSeconds?: number;
  /** Close the connection after the answer (a request body kas will not read). */
  readonly close?: boolean;
}

const DISCOVERY = /^\/(api|apis(\/[^/]+){0,2}|api\/[^/]+|version|openapi(\/.*)?)\/?$/;

/** Paths client-go's discovery reads raw (their errors show only a text/plain message). */
export function isDiscoveryPath(path: string): boolean {
  return DISCOVERY.test(path.split("?")[0] ?? "");
}

/** The answer's headers and body for `path` (the path the client asked, prefix stripped). */
export function refusalAnswer(r: Refusal, path: string): { headers: [string, string][]; body: string } {
  const body = isDiscoveryPath(path)
    ? `${r.message}\n`
    : JSON.stringify({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: r.message, reason: r.reason, code: r.code });
  const headers: [string, string][] = [
    ["content-type", isDiscoveryPath(path) ? "text/plain; charset=utf-8" : "application/json"],
    ["content-length", String(Buffer.byteLength(body))],
  ];
  if (r.retryAfterSeconds !== undefined) headers.push(["retry-after", String(r.retryAfterSeconds)]);
  if (r.close) headers.push(["connection", "close"]);
  return { headers, body };
}

/** Sends `r` as the response, or cuts the connection if a response has begun. */
export function sendRefusal(res: http.ServerResponse, r: Refusal, path: string): void {
  if (res.headersSent) return void res.destroy();
  const { headers, body } = refusalAnswer(r, path);
  res.writeHead(r.code, Object.fromEntries(headers)).end(body);
}

/** `r` as a whole HTTP/1.1 response on a raw socket (an upgrade request kas refuses). */
export function rawRefusal(r: Refusal, path: string): string {
  const { headers, body } = refusalAnswer({ ...r, close: true }, path);
  return `HTTP/1.1 ${r.code} ${http.STATUS_CODES[r.code] ?? "Unknown"}\r\n${headers.map(([n, v]) => `${n}: ${v}\r\n`).join("")}\r\n${body}`;
}
