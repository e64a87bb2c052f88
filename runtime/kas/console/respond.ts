/** Writing the console's answers: every HTML page carries the CSP and is never cached. */
import type * as http from "node:http";
import { CONTENT_SECURITY_POLICY } from "./assets";

const COMMON = { "x-content-type-options": "nosniff", "referrer-policy": "no-referrer", "cache-control": "no-store" };

export function sendHtml(res: http.ServerResponse, status: number, html: string, headers: Record<string, string | string[]> = {}): void {
  res.writeHead(status, { ...COMMON, "content-type": "text/html; charset=utf-8", "content-security-policy": CONTENT_SECURITY_POLICY, "x-frame-options": "DENY", ...headers });
  res.end(html);
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendBytes(res, status, "application/json", Buffer.from(JSON.stringify(body, null, 2) + "\n"), headers);
}

export function sendBytes(res: http.ServerResponse, status: number, type: string, body: Buffer, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...COMMON, "content-type": type, ...headers });
  res.end(body);
}

export function redirect(res: http.ServerResponse, location: string, headers: Record<string, string | string[]> = {}): void {
  res.writeHead(303, { ...COMMON, location, ...headers });
  res.end();
}

/** Whether the browser reached kas over https (directly or through a TLS-terminating proxy): the cookie is then Secure. */
export function overHttps(req: http.IncomingMessage): boolean {
  return (req.socket as { encrypted?: boolean }).encrypted === true || req.headers["x-forwarded-proto"] === "https";
}
