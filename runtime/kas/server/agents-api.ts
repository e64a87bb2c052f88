import type * as http from "node:http";
import { buildInfo, F, rateLimitedLog, type BuildInfo, type Logger, type Metrics } from "../../common";
import type { AgentTracker } from "./agent-tracker";
import { jsonReply, type HttpHandler, type HttpReply } from "./http-listen";
import { sameSecret } from "./secret-compare";
import { renderStatusPage } from "./status-page";

export interface AgentsApiOptions {
  readonly tracker: AgentTracker;
  /** The bearer token callers must present, or undefined on a loopback listener with no token configured. */
  readonly token: () => string | undefined;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** kas's own build, shown with the agents (which version answers); default this process's. */
  readonly build?: BuildInfo;
}

/**
 * The `listen.api` listener: GET /api/v1/agents (JSON) and the status page at
 * `/`. They show kas's own version and commit (`kas: {version, commit}`), and agents, projects, sync errors and config errors, so a
 * configured token is required (`Authorization: Bearer <token>`), also on
 * loopback. Both bodies are serialised once per tracker change and then
 * served from that cache: a flood of GETs costs no re-serialisation
 * (issue 13 item 7).
 */
export function agentsApiHandler(opts: AgentsApiOptions): HttpHandler {
  const refusals = opts.metrics.counter("kas_api_refused_total", "Agents API calls refused, by reason", ["reason"]);
  const logRefusal = rateLimitedLog(opts.logger, "warn", "Agents API call refused");
  const { version, commit } = opts.build ?? buildInfo();
  const kas = { version, commit };
  const json = cachedBy(
    () => opts.tracker.revision,
    () => Buffer.from(JSON.stringify({ kas, agents: opts.tracker.list() }, null, 2) + "\n"),
  );
  const page = cachedBy(
    () => opts.tracker.revision,
    () => Buffer.from(renderStatusPage(opts.tracker.list(), kas)),
  );
  return (req, path) => {
    if (path !== "/api/v1/agents" && path !== "/") return undefined;
    const refused = checkBearer(req, opts.token());
    if (refused) {
      refusals.inc({ reason: refused });
      logRefusal({ [F.reason]: refused, [F.peer]: req.socket.remoteAddress, [F.path]: path });
      return unauthorized(refused);
    }
    if (req.method !== "GET" && req.method !== "HEAD") return jsonReply(405, { error: "use GET" }, { allow: "GET" });
    return path === "/" ? { status: 200, type: "text/html; charset=utf-8", body: page() } : { status: 200, type: "application/json", body: json() };
  };
}

/** undefined when the request may pass; else why not. */
function checkBearer(req: http.IncomingMessage, token: string | undefined): "missing_token" | "wrong_token" | undefined {
  if (token === undefined) return undefined;
  const header = req.headers.authorization;
  const m = typeof header === "string" ? /^Bearer +(\S+) *$/i.exec(header) : null;
  if (!m) return "missing_token";
  return sameSecret(m[1] as string, token) ? undefined : "wrong_token";
}

function unauthorized(reason: "missing_token" | "wrong_token"): HttpReply {
  const error = reason === "missing_token" ? "missing Authorization: Bearer <token> (api.token_file in kas config)" : "wrong token";
  return jsonReply(401, { error }, { "www-authenticate": `Bearer realm="kas agents API"${reason === "wrong_token" ? ', error="invalid_token"' : ""}` });
}

/** `render()` memoised until `revision()` changes. */
export function cachedBy<T>(revision: () => number, render: () => T): () => T {
  let at = -1;
  let value: T | undefined;
  return () => {
    const r = revision();
    if (value === undefined || r !== at) {
      value = render();
      at = r;
    }
    return value;
  };
}
