/**
 * POST /sign-in (the API token from the form -> a session cookie) and
 * POST /sign-out. The token is compared in constant time and never logged.
 * Both refuse a form posted from another site (login or logout CSRF:
 * SameSite keeps the cookie from riding it, not the POST from landing).
 */
import type * as http from "node:http";
import type { BuildInfo } from "../../common";
import { readBody } from "../server/read-body";
import { sameSecret } from "../server/secret-compare";
import { esc, page } from "./html";
import { overHttps, redirect, sendHtml } from "./respond";
import type { SessionStore } from "./session-store";
import { clearedCookie, sessionCookie, sessionIdOf } from "./sessions";
import { renderSignIn, safeNext } from "./sign-in-page";

const FORM_MAX_BYTES = 8 * 1024;

export interface SignInDeps {
  readonly sessions: SessionStore;
  readonly token: () => string | undefined;
  readonly kas: BuildInfo;
  /** GitLab sign-in is configured: the form offers it. */
  readonly gitlab: boolean;
  /** A sign-in attempt with a wrong token (metrics, rate-limited log). */
  readonly refused: (reason: "wrong_token") => void;
}

/** The sign-in page with status 401 (what anyone without a credential gets for a page), or 429 with `retryAfterS` (too many wrong tokens). */
export function signInPage(res: http.ServerResponse, deps: Pick<SignInDeps, "kas" | "gitlab">, next: string, error?: string, retryAfterS?: number): void {
  const html = page({ title: "Sign in", kas: deps.kas }, renderSignIn({ next: safeNext(next), gitlab: deps.gitlab, ...(error ? { error } : {}) }));
  if (retryAfterS !== undefined) return sendHtml(res, 429, html, { "retry-after": String(retryAfterS) });
  sendHtml(res, 401, html, { "www-authenticate": 'Bearer realm="kas agents API"' });
}

export async function postSignIn(req: http.IncomingMessage, res: http.ServerResponse, deps: SignInDeps): Promise<void> {
  if (refusedFromOtherSite(req, res, deps)) return;
  const body = await readBody(req, { max: FORM_MAX_BYTES });
  if (!body.ok) {
    if (body.reason === "too_large") signInPage(res, deps, "/", "The form was too large.");
    return;
  }
  const form = new URLSearchParams(body.body.toString("utf8"));
  const next = safeNext(form.get("next"));
  const expected = deps.token();
  if (expected === undefined || !sameSecret(form.get("token") ?? "", expected)) {
    deps.refused("wrong_token");
    return signInPage(res, deps, next, expected === undefined ? "No API token is configured (api.token_file): nothing to sign in with." : "Wrong token.");
  }
  const { id, maxAgeS } = await deps.sessions.create({ kind: "api-token" });
  redirect(res, next, { "set-cookie": sessionCookie(id, maxAgeS, overHttps(req)) });
}

export async function postSignOut(req: http.IncomingMessage, res: http.ServerResponse, deps: Pick<SignInDeps, "kas" | "sessions">): Promise<void> {
  if (refusedFromOtherSite(req, res, deps)) return;
  const id = sessionIdOf(req.headers.cookie);
  if (id) await deps.sessions.end(id);
  redirect(res, "/", { "set-cookie": clearedCookie(overHttps(req)) });
}

/**
 * Where a form post came from, when not from this console: browsers say it
 * in Sec-Fetch-Site (`same-site` too is refused: a sibling subdomain is
 * another origin), older ones only in Origin. Neither header: not a browser
 * (curl, a script), which has no victim's cookie to ride on.
 */
export function otherSite(req: http.IncomingMessage): string | undefined {
  const site = req.headers["sec-fetch-site"];
  if (typeof site === "string") return site === "same-origin" || site === "none" ? undefined : `Sec-Fetch-Site: ${site}`;
  const origin = req.headers.origin;
  if (origin === undefined) return undefined;
  const own = String(req.headers["x-forwarded-host"] ?? req.headers.host ?? "").split(",")[0]?.trim();
  try {
    if (new URL(origin).host === own) return undefined;
  } catch {
    // "null" (a sandboxed or privacy-sensitive context) or garbage: not this console.
  }
  return `Origin: ${origin}`;
}

function refusedFromOtherSite(req: http.IncomingMessage, res: http.ServerResponse, deps: Pick<SignInDeps, "kas">): boolean {
  const from = otherSite(req);
  if (from === undefined) return false;
  const html = page({ title: "Refused", kas: deps.kas }, `<h1>Refused</h1><p class="notice" role="alert">A form from another site (${esc(from)}) may not sign in or out of this console.</p><p><a href="/">Console</a></p>`);
  sendHtml(res, 403, html);
  return true;
}
