import type * as http from "node:http";
import { buildInfo, F, rateLimitedLog, type BuildInfo, type Logger, type Metrics } from "../../common";
import type { AgentsView, SharedState } from "../shared";
import { parseRoute, type WorkloadsHandler } from "../workloads";
import { jsonReply, REPLIED, type HttpHandler, type HttpReply } from "./http-listen";
import { sameSecret } from "./secret-compare";
import { renderStatusPage } from "./status-page";

export interface AgentsApiOptions {
  /** The agents as every replica shares them (or this replica's own, in memory). */
  readonly shared: Pick<SharedState, "agents">;
  /** The bearer token callers must present, or undefined on a loopback listener with no token configured. */
  readonly token: () => string | undefined;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /**
   * The console's workloads routes (issue 21), served here to the holder of
   * the bearer token as kas's operator until the console's router takes them
   * (with its own sign-in and viewers).
   */
  readonly workloads?: WorkloadsHandler;
  /** kas's own build, shown with the agents (which version answers); default this process's. */
  readonly build?: BuildInfo;
}

/**
 * The `listen.api` listener: GET /api/v1/agents (JSON) and the status page at
 * `/`. They show kas's own version and commit (`kas: {version, commit}`), and agents, projects, sync errors and config errors, so a
 * configured token is required (`Authorization: Bearer <token>`), also on
 * loopback. Both bodies are serialised once per view of the shared state
 * (a tracker change in memory; a Redis read, reused for a moment, with
 * `redis`) and then served from that cache: a flood of GETs costs no
 * re-serialisation (issue 13 item 7). With Redis, `shared_state` says whether
 * the answer is every replica's (`available`) or, Redis being away, this
 * replica's alone (`unavailable`: a partial view); the page says so too.
 */
export function agentsApiHandler(opts: AgentsApiOptions): HttpHandler {
  const refusals = opts.metrics.counter("kas_api_refused_total", "Agents API calls refused, by reason", ["reason"]);
  const logRefusal = rateLimitedLog(opts.logger, "warn", "Agents API call refused");
  const { version, commit } = opts.build ?? buildInfo();
  const kas = { version, commit };
  const json = byView((v) => Buffer.from(JSON.stringify({ kas, ...sharedStateField(v), agents: v.agents }, null, 2) + "\n"));
  const page = byView((v) => Buffer.from(renderStatusPage(v.agents, kas, v.status === "unavailable" ? UNAVAILABLE_NOTICE : undefined)));
  return async (req, path, res) => {
    const workloads = opts.workloads !== undefined && parseRoute(path, new URLSearchParams()) !== undefined;
    if (path !== "/api/v1/agents" && path !== "/" && !workloads) return undefined;
    const refused = checkBearer(req, opts.token());
    if (refused) {
      refusals.inc({ reason: refused });
      logRefusal({ [F.reason]: refused, [F.peer]: req.socket.remoteAddress, [F.path]: path });
      return unauthorized(refused);
    }
    // Workloads (issue 21), minimally wired until the console's router serves them: the bearer token's holder is kas's operator.
    if (workloads && opts.workloads) return (await opts.workloads(req, res, path, { kind: "api-token" })) ? REPLIED : undefined;
    if (req.method !== "GET" && req.method !== "HEAD") return jsonReply(405, { error: "use GET" }, { allow: "GET" });
    const view = await opts.shared.agents();
    return path === "/" ? { status: 200, type: "text/html; charset=utf-8", body: page(view) } : { status: 200, type: "application/json", body: json(view) };
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

export const UNAVAILABLE_NOTICE = "Shared state (Redis) is unavailable: this is this kas replica's own view, agents connected to other replicas are missing.";

/** With Redis, whether the answer is every replica's; nothing in memory (one replica: the body as before). */
function sharedStateField(v: AgentsView): { shared_state?: "available" | "unavailable" } {
  if (v.status === "memory") return {};
  return { shared_state: v.status === "shared" ? "available" : "unavailable" };
}

/** `render(view)` memoised per view object (the shared state reuses a view until something changes). */
function byView(render: (v: AgentsView) => Buffer): (v: AgentsView) => Buffer {
  let last: AgentsView | undefined;
  let body: Buffer = Buffer.alloc(0);
  return (v) => {
    if (v !== last) [last, body] = [v, render(v)];
    return body;
  };
}
