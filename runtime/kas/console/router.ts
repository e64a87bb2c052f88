/**
 * kas's operator console on the `listen.api` listener (issue 21): assets and
 * sign-in first, then the credential (nothing else is shown without one),
 * then the views, the live stream, the extra routes (workloads), 404.
 */
import type * as http from "node:http";
import { buildInfo, F, rateLimitedLog, type BuildInfo, type Logger, type Metrics } from "../../common";
import { loadAssets } from "./assets";
import { resolveViewer, type Refusal } from "./credentials";
import { DEFAULT_FAILURE_LIMITS, FailureLimiter, type FailureLimits } from "./failure-limiter";
import type { GitLabOAuthSettings } from "./gitlab-oauth-client";
import { DEFAULT_LIVE_LIMITS, LiveHub, type LiveLimits } from "./live";
import { page, type PageFrame } from "./html";
import { sendBytes, sendHtml, sendJson } from "./respond";
import { SessionStoreUnavailable, type SessionStore } from "./session-store";
import { DEFAULT_SESSION_LIMITS, Sessions, type SessionLimits } from "./sessions";
import { gitlabSignIn } from "./oauth";
import { postSignIn, postSignOut, signInPage } from "./sign-in";
import type { ConsoleViewer } from "./viewer";
import { Views, type ViewsDeps } from "./views";

/** What a feature's page gives the console's layout: its title and what it asks of the page's scripts. */
export type ConsolePageOptions = Omit<PageFrame, "kas" | "viewer">;

/** The console's layout for a feature's pages: one header, stylesheet and CSP for every page. */
export interface ConsoleRouteContext {
  /** Answers `main` (escaped HTML) as a page in the console's layout, with its Content-Security-Policy. */
  sendPage(res: http.ServerResponse, status: number, options: ConsolePageOptions, main: string): void;
}

/** A feature's pages and API under the console (e.g. workloads): true when it answered. Called after sign-in is checked. */
export type ConsoleRoute = (req: http.IncomingMessage, res: http.ServerResponse, path: string, viewer: ConsoleViewer, ctx: ConsoleRouteContext) => Promise<boolean>;

export interface ConsoleDeps extends Omit<ViewsDeps, "kas"> {
  /** The API token (api.token_file); undefined on a loopback listener with no token (open, as kas.yaml allows there only). */
  readonly token: () => string | undefined;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** kas's own build, in the footer and JSON; default this process's. */
  readonly build?: BuildInfo;
  /** More routes, tried in order after the console's own. */
  readonly routes?: readonly ConsoleRoute[];
  readonly sessions?: SessionLimits;
  /** Where sessions live (with kas.yaml `redis`: Redis, shared by the replicas); default in memory with `sessions` limits. */
  readonly sessionStore?: SessionStore;
  readonly live?: LiveLimits;
  /** GitLab sign-in (kas.yaml console.gitlab, GitLab mode), beside the API token's. */
  readonly gitlab?: GitLabOAuthSettings;
  /** Wrong credentials per client address before 429 (failure-limiter.ts). */
  readonly failures?: FailureLimits;
}

export interface Console {
  handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void>;
  /** Ends live streams (kas stops). */
  close(): void;
}

export function startConsole(deps: ConsoleDeps): Console {
  const refusals = deps.metrics.counter("kas_api_refused_total", "Agents API calls refused, by reason", ["reason"]);
  const logRefusal = rateLimitedLog(deps.logger, "warn", "Agents API call refused");
  const kas = deps.build ?? buildInfo();
  const assets = loadAssets();
  const sessions = deps.sessionStore ?? new Sessions(deps.sessions ?? DEFAULT_SESSION_LIMITS);
  const views = new Views({ ...deps, kas });
  const live = new LiveHub((viewer) => views.fingerprint(viewer), deps.live ?? DEFAULT_LIVE_LIMITS);
  sessions.onEnd((id) => live.endSession(id));
  deps.metrics.gaugeFn("kas_console_sessions", "Console sessions open (signed-in browsers); with redis, those used on this replica lately", () => sessions.size);
  deps.metrics.gaugeFn("kas_console_live_clients", "Console live-update streams (/api/v1/events) open", () => live.size);
  const signIn = { sessions, token: deps.token, kas, gitlab: deps.gitlab !== undefined };
  const oauth = deps.gitlab && gitlabSignIn({ settings: deps.gitlab, sessions, kas, logger: deps.logger });
  const failures = new FailureLimiter(deps.failures ?? DEFAULT_FAILURE_LIMITS);
  const refuse = (req: http.IncomingMessage, path: string, reason: Refusal | "rate_limited"): void => {
    refusals.inc({ reason });
    logRefusal({ [F.reason]: reason, [F.peer]: req.socket.remoteAddress, [F.path]: path });
    if (reason === "wrong_token") failures.failed(req.socket.remoteAddress ?? "");
  };
  /** A credential presented (the form, a Bearer header) from an address past its wrong ones: 429, the credential not looked at. */
  const limited = (req: http.IncomingMessage, res: http.ServerResponse, path: string): boolean => {
    const ms = failures.retryAfterMs(req.socket.remoteAddress ?? "");
    if (ms === 0) return false;
    refuse(req, path, "rate_limited");
    const seconds = Math.ceil(ms / 1000);
    if (path === "/sign-in") signInPage(res, signIn, "/", `Too many wrong tokens from this address: try again in ${seconds} s.`, seconds);
    else sendJson(res, 429, { error: "too many wrong tokens from this address; try again later" }, { "retry-after": String(seconds) });
    return true;
  };

  const route = async (req: http.IncomingMessage, res: http.ServerResponse, path: string): Promise<void> => {
    const asset = assets.get(path);
    if (asset && (req.method === "GET" || req.method === "HEAD")) return sendBytes(res, 200, asset.type, asset.body, { "cache-control": "public, max-age=300" });
    // Browsers ask for it on every page: nothing to show, and no 401 or 404 in their console.
    if (path === "/favicon.ico") return void res.writeHead(204, { "cache-control": "public, max-age=86400" }).end();
    const credential = (path === "/sign-in" && req.method === "POST") || req.headers.authorization !== undefined;
    if (credential && deps.token() !== undefined && limited(req, res, path)) return;
    if (path === "/sign-in" && req.method === "POST") return postSignIn(req, res, { ...signIn, refused: (r) => refuse(req, path, r) });
    if (path === "/sign-out" && req.method === "POST") return postSignOut(req, res, signIn);
    if (oauth && (await oauth(req, res, path))) return;
    const who = await resolveViewer(req, deps.token(), sessions);
    if ("refused" in who) {
      refuse(req, path, who.refused);
      if (path.startsWith("/api/") || (req.method !== "GET" && req.method !== "HEAD")) return unauthorized(res, who.refused);
      return signInPage(res, signIn, req.url ?? "/");
    }
    if (path === "/api/v1/events" && req.method === "GET") {
      if (!live.attach(res, who.viewer, who.session?.id, who.session?.remainingMs)) sendJson(res, 503, { error: "too many live clients; try again later" }, { "retry-after": "10" });
      return;
    }
    if ((req.method === "GET" || req.method === "HEAD") && (await views.serve(req, res, path, who.viewer))) return;
    const ctx: ConsoleRouteContext = { sendPage: (to, status, options, main) => sendHtml(to, status, page({ ...options, kas, viewer: who.viewer }, main)) };
    for (const r of deps.routes ?? []) if (await r(req, res, path, who.viewer, ctx)) return;
    if (req.method !== "GET" && req.method !== "HEAD") return sendJson(res, 405, { error: `use GET for ${path}` }, { allow: "GET" });
    sendJson(res, 404, { error: `no route ${req.method ?? ""} ${path}` });
  };

  return {
    handle: async (req, res) => {
      const path = (req.url ?? "/").split("?")[0] ?? "/";
      try {
        await route(req, res, path);
      } catch (err) {
        if (err instanceof SessionStoreUnavailable && !res.headersSent) return sendJson(res, 503, { error: err.message }, { "retry-after": "5" });
        deps.logger.error("Console request failed", { [F.path]: path, [F.error]: err });
        if (!res.headersSent) sendJson(res, 500, { error: "internal error" });
        else res.destroy();
      }
    },
    close: () => {
      live.close();
      sessions.close();
    },
  };
}

function unauthorized(res: http.ServerResponse, reason: Refusal): void {
  const error = reason === "missing_token" ? "missing Authorization: Bearer <token> (api.token_file in kas config) or a console session" : "wrong token";
  sendJson(res, 401, { error }, { "www-authenticate": `Bearer realm="kas agents API"${reason === "wrong_token" ? ', error="invalid_token"' : ""}` });
}
