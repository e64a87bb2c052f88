/**
 * GitLab sign-in (GitLab mode): GET /oauth/start sends the browser to
 * GitLab's /oauth/authorize with a random state and a PKCE challenge; the
 * state, the verifier and where to go afterwards ride in a short-lived
 * signed cookie (oauth-state.ts), so only the browser that started may
 * finish and kas keeps nothing per started sign-in. GET /oauth/callback
 * checks both, exchanges the code, asks GitLab who signed in, and opens a
 * session for an allowed user. A state is used once.
 */
import { createHash } from "node:crypto";
import type * as http from "node:http";
import { F, type BuildInfo, type Logger } from "../../common";
import { sameSecret } from "../server/secret-compare";
import { currentUser, exchangeCode, mayUseConsole, type GitLabOAuthSettings } from "./gitlab-oauth-client";
import { esc, page } from "./html";
import { newPendingSignIn, openPendingSignIn, sealPendingSignIn } from "./oauth-state";
import { overHttps, redirect, sendHtml } from "./respond";
import type { SessionStore } from "./session-store";
import { sessionCookie } from "./sessions";

const STATE_COOKIE = "kas_console_oauth";
/** States already used, remembered until they expire (past this many the oldest is forgotten: GitLab's codes are single-use anyway). */
const USED_MAX = 1000;
const PENDING_TTL_MS = 10 * 60_000;

export interface OAuthDeps {
  readonly settings: GitLabOAuthSettings;
  readonly sessions: SessionStore;
  readonly kas: BuildInfo;
  readonly logger: Logger;
}

export function gitlabSignIn(deps: OAuthDeps): (req: http.IncomingMessage, res: http.ServerResponse, path: string) => Promise<boolean> {
  const used = new Map<string, number>();
  const { settings: s } = deps;
  const fail = (res: http.ServerResponse, status: number, message: string): void =>
    sendHtml(res, status, page({ title: "Sign-in failed", kas: deps.kas }, `<h1>Sign-in failed</h1><p class="notice" role="alert">${esc(message)}</p><p><a href="/">Try again</a></p>`));
  const useOnce = (state: string, expiresAt: number, now: number): boolean => {
    if (used.has(state)) return false;
    for (const [k, until] of used) if (until <= now || used.size >= USED_MAX) used.delete(k);
    used.set(state, expiresAt);
    return true;
  };

  const start = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const p = newPendingSignIn(new URL(req.url ?? "/", "http://kas").searchParams.get("next") ?? "/", Date.now() + PENDING_TTL_MS);
    const challenge = createHash("sha256").update(p.verifier).digest("base64url");
    const q = new URLSearchParams({ client_id: s.clientId, redirect_uri: s.redirectUrl, response_type: "code", scope: "read_user", state: p.state, code_challenge: challenge, code_challenge_method: "S256" });
    // Lax: GitLab's redirect back is a cross-site navigation, which a Strict cookie would not ride.
    const cookie = `${STATE_COOKIE}=${sealPendingSignIn(s.clientSecret, p)}; Path=/oauth; HttpOnly; SameSite=Lax; Max-Age=${PENDING_TTL_MS / 1000}${overHttps(req) ? "; Secure" : ""}`;
    redirect(res, `${s.url}/oauth/authorize?${q.toString()}`, { "set-cookie": cookie });
  };

  const callback = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const q = new URL(req.url ?? "/", "http://kas").searchParams;
    const state = q.get("state") ?? "";
    const cookie = /(?:^|;\s*)kas_console_oauth=([^;]+)/.exec(req.headers.cookie ?? "")?.[1] ?? "";
    const now = Date.now();
    const p = openPendingSignIn(s.clientSecret, cookie, now);
    if (!p || !sameSecret(state, p.state) || !useOnce(p.state, p.expiresAt, now)) return fail(res, 400, "This sign-in was not started here, or it took over 10 minutes.");
    const code = q.get("code");
    if (!code) return fail(res, 401, `GitLab did not sign you in${q.get("error") ? `: ${q.get("error")}` : ""}.`);
    let user;
    let accessToken;
    try {
      accessToken = await exchangeCode(s, code, p.verifier);
      user = await currentUser(s, accessToken);
    } catch (err) {
      deps.logger.warn("Console GitLab sign-in failed", { [F.error]: err });
      return fail(res, 502, "GitLab could not confirm the sign-in; see kas's log.");
    }
    if (!mayUseConsole(s, user)) {
      deps.logger.warn("Console GitLab sign-in refused", { [F.name]: user.username, [F.reason]: "not in console.gitlab.users" });
      return fail(res, 403, `GitLab user @${user.username} may not use this console (kas.yaml console.gitlab.users${s.users.length === 0 ? ": none listed, so administrators only" : ""}).`);
    }
    const { id, maxAgeS } = await deps.sessions.create({ kind: "gitlab-user", username: user.username, accessToken });
    const secure = overHttps(req);
    // A page, not a redirect: the way on to the console is then a same-site navigation, which the Strict session cookie rides.
    sendHtml(res, 200, page({ title: "Signed in", kas: deps.kas }, `<h1>Signed in as @${esc(user.username)}</h1><p><a id="continue" href="${esc(p.next)}">Continue</a></p>`).replace("<head>", `<head><meta http-equiv="refresh" content="0;url=${esc(p.next)}">`), {
      "set-cookie": [sessionCookie(id, maxAgeS, secure), `${STATE_COOKIE}=; Path=/oauth; HttpOnly; SameSite=Lax; Max-Age=0${secure ? "; Secure" : ""}`],
    });
  };

  return async (req, res, path) => {
    if (req.method !== "GET") return false;
    if (path === "/oauth/start") start(req, res);
    else if (path === "/oauth/callback") await callback(req, res);
    else return false;
    return true;
  };
}
