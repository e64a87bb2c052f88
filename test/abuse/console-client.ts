/**
 * Requests to kas's console as the attacks send them (test/abuse/console*.test.ts):
 * raw paths, the sign-in form, the session cookie of an answer, and the
 * check that an HTML answer carries the CSP.
 */
import { rawRequest, type RawReply } from "./raw-http";

const FORM = { "content-type": "application/x-www-form-urlencoded" };

export interface ConsoleClient {
  get(path: string, headers?: Record<string, string>, method?: string): Promise<RawReply>;
  status(path: string, headers: Record<string, string>): Promise<number>;
  /** POST /sign-in with these form fields. */
  signIn(fields: Record<string, string>, headers?: Record<string, string>): Promise<RawReply>;
}

export function consoleClient(apiUrl: () => string): ConsoleClient {
  const get = (path: string, headers: Record<string, string> = {}, method = "GET"): Promise<RawReply> => rawRequest(apiUrl(), path, { method, headers });
  return {
    get,
    status: async (path, headers) => (await get(path, headers)).status,
    signIn: (fields, headers = {}) => rawRequest(apiUrl(), "/sign-in", { method: "POST", headers: { ...FORM, ...headers }, body: new URLSearchParams(fields).toString() }),
  };
}

/** `name=value` of the answer's first Set-Cookie. */
export const cookieOf = (r: RawReply): string => String(r.headers["set-cookie"]?.[0] ?? "").split(";")[0] as string;

/** An HTML answer carries the CSP, is never framed, sniffed nor sent as a Referer (and one without a body type is no page). */
export function expectCspOnHtml(r: RawReply, what: string): void {
  if (!String(r.headers["content-type"]).startsWith("text/html")) return;
  const h = r.headers;
  expect({ what, csp: h["content-security-policy"], frame: h["x-frame-options"], sniff: h["x-content-type-options"], referrer: h["referrer-policy"] }).toEqual({
    what,
    csp: expect.stringContaining("script-src 'self'"),
    frame: "DENY",
    sniff: "nosniff",
    referrer: "no-referrer",
  });
}
