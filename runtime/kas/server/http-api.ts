import { timingSafeEqual, createHash } from "node:crypto";
import * as http from "node:http";
import { F, type Logger } from "../../common";
import type { ProjectConfig } from "../config";
import type { AgentTracker } from "./agent-tracker";
import type { Metrics } from "../../common";
import { splitHostPort } from "./net";
import type { CommitSubscriptions } from "./ports";
import { renderStatusPage } from "./status-page";

export interface HttpApiOptions {
  readonly address: string;
  readonly metrics: Metrics;
  readonly tracker: AgentTracker;
  readonly commits: CommitSubscriptions;
  readonly projects: () => readonly ProjectConfig[];
  /** Returns the webhook secret, or undefined when webhooks are off. */
  readonly webhookSecret: () => string | undefined;
  readonly ready: () => boolean;
  readonly logger: Logger;
}

const MAX_WEBHOOK_BODY = 1024 * 1024;

/**
 * The observability listener: /metrics, /liveness, /readiness, the agents
 * API and status page, and the push webhook (GitLab push-event body,
 * `X-Gitlab-Token` secret).
 */
export async function listenHttpApi(opts: HttpApiOptions): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => void route(opts, req, res));
  const { host, port } = splitHostPort(opts.address);
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err) => reject(new Error(`cannot listen on ${opts.address}: ${err.message}`)));
    server.listen(port, host, () => resolve());
  });
  const bound = server.address();
  return {
    port: typeof bound === "object" && bound ? bound.port : port,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function route(opts: HttpApiOptions, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const path = (req.url ?? "/").split("?")[0];
  const send = (status: number, type: string, body: string): void => void res.writeHead(status, { "content-type": type }).end(body);
  const json = (status: number, body: unknown): void => send(status, "application/json", JSON.stringify(body, null, 2) + "\n");
  try {
    if (req.method === "GET" && path === "/metrics") return send(200, "text/plain; version=0.0.4", opts.metrics.render());
    if (req.method === "GET" && path === "/liveness") return send(200, "text/plain", "ok\n");
    if (req.method === "GET" && path === "/readiness") return opts.ready() ? send(200, "text/plain", "ok\n") : send(503, "text/plain", "not ready\n");
    if (req.method === "GET" && path === "/api/v1/agents") return json(200, { agents: opts.tracker.list() });
    if (req.method === "GET" && path === "/") return send(200, "text/html; charset=utf-8", renderStatusPage(opts.tracker.list()));
    if (path === "/api/v1/webhooks/push") {
      if (req.method !== "POST") return json(405, { error: "use POST" });
      const result = await pushWebhook(opts, req);
      return json(result.status, result.body);
    }
    return json(404, { error: `no route ${req.method} ${path}` });
  } catch (err) {
    opts.logger.error("HTTP API error", { [F.path]: path, [F.error]: err });
    return json(500, { error: "internal error" });
  }
}

async function pushWebhook(opts: HttpApiOptions, req: http.IncomingMessage): Promise<{ status: number; body: unknown }> {
  const secret = opts.webhookSecret();
  if (secret === undefined) return { status: 404, body: { error: "webhooks are not configured (webhook.secret_file in kas config)" } };
  const given = req.headers["x-gitlab-token"];
  if (typeof given !== "string" || !sameSecret(given, secret)) {
    opts.logger.warn("Webhook with a wrong or missing secret token refused", { [F.peer]: req.socket.remoteAddress });
    return { status: 401, body: { error: "wrong or missing X-Gitlab-Token" } };
  }
  const raw = await readBody(req, MAX_WEBHOOK_BODY);
  if (raw === undefined) return { status: 413, body: { error: `body over ${MAX_WEBHOOK_BODY} bytes` } };
  let event: { project?: { path_with_namespace?: unknown; git_http_url?: unknown }; ref?: unknown };
  try {
    event = JSON.parse(raw) as typeof event;
  } catch {
    return { status: 400, body: { error: "body is not JSON (expected a GitLab push event)" } };
  }
  const id = event.project?.path_with_namespace;
  if (typeof id !== "string") return { status: 400, body: { error: "project.path_with_namespace missing from the push event" } };
  if (!opts.projects().some((p) => p.id === id)) return { status: 404, body: { error: `project ${id} is not configured in kas` } };
  opts.commits.refresh(id);
  opts.logger.info("Push webhook: checking project now", { [F.projectId]: id, [F.ref]: event.ref });
  return { status: 202, body: { refreshed: id } };
}

/** Constant-time comparison of equal-length digests, so timing does not reveal the secret. */
function sameSecret(a: string, b: string): boolean {
  const ha = createHash("sha256").update(a).digest();
  const hb = createHash("sha256").update(b).digest();
  return timingSafeEqual(ha, hb);
}

function readBody(req: http.IncomingMessage, max: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > max) {
        resolve(undefined);
        req.destroy();
      } else chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
