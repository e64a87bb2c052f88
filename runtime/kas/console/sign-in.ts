/**
 * POST /sign-in (the API token from the form -> a session cookie) and
 * POST /sign-out. The token is compared in constant time and never logged.
 */
import type * as http from "node:http";
import type { BuildInfo } from "../../common";
import { readBody } from "../server/read-body";
import { sameSecret } from "../server/secret-compare";
import { page } from "./html";
import { overHttps, redirect, sendHtml } from "./respond";
import { clearedCookie, sessionCookie, sessionIdOf, type Sessions } from "./sessions";
import { renderSignIn, safeNext } from "./sign-in-page";

const FORM_MAX_BYTES = 8 * 1024;

export interface SignInDeps {
  readonly sessions: Sessions;
  readonly token: () => string | undefined;
  readonly kas: BuildInfo;
  /** GitLab sign-in is configured: the form offers it. */
  readonly gitlab: boolean;
  /** A sign-in attempt with a wrong token (metrics, rate-limited log). */
  readonly refused: (reason: "wrong_token") => void;
}

/** The sign-in page with status 401: what anyone without a credential gets for a page. */
export function signInPage(res: http.ServerResponse, deps: Pick<SignInDeps, "kas" | "gitlab">, next: string, error?: string): void {
  const html = page({ title: "Sign in", kas: deps.kas }, renderSignIn({ next: safeNext(next), gitlab: deps.gitlab, ...(error ? { error } : {}) }));
  sendHtml(res, 401, html, { "www-authenticate": 'Bearer realm="kas agents API"' });
}

export async function postSignIn(req: http.IncomingMessage, res: http.ServerResponse, deps: SignInDeps): Promise<void> {
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
  const { id, maxAgeS } = deps.sessions.create({ kind: "api-token" });
  redirect(res, next, { "set-cookie": sessionCookie(id, maxAgeS, overHttps(req)) });
}

export function postSignOut(req: http.IncomingMessage, res: http.ServerResponse, sessions: Sessions): void {
  const id = sessionIdOf(req.headers.cookie);
  if (id) sessions.end(id);
  redirect(res, "/", { "set-cookie": clearedCookie(overHttps(req)) });
}
