import type * as http from "node:http";
import { F, rateLimitedLog, type Logger, type Metrics } from "../../common";
import type { ProjectConfig } from "../config";
import { jsonReply, type HttpHandler, type HttpReply } from "./http-listen";
import type { CommitSubscriptions } from "./ports";
import { readBody } from "./read-body";
import { sameSecret } from "./secret-compare";

export const WEBHOOK_PATH = "/api/v1/webhooks/push";
/** GitLab push events are a few KiB; 1 MiB leaves room for pushes of many commits. */
export const MAX_WEBHOOK_BODY = 1024 * 1024;

export interface PushWebhookOptions {
  readonly commits: CommitSubscriptions;
  readonly projects: () => readonly ProjectConfig[];
  /** The webhook secret, or undefined when webhooks are off. */
  readonly secret: () => string | undefined;
  readonly metrics: Metrics;
  readonly logger: Logger;
}

type Refusal = "not_found" | "method" | "not_configured" | "token" | "too_large" | "bad_request" | "unknown_project";

/**
 * The `listen.webhook` listener: POST /api/v1/webhooks/push with a GitLab
 * push-event body and the `X-Gitlab-Token` secret makes kas look at the
 * project now. Anyone who reaches the port can call it, so each refusal is
 * counted (kas_webhook_refused_total{reason}) and logged rate-limited: a
 * burst of bad calls cannot flood the log (issue 13 item 12).
 */
export function pushWebhookHandler(opts: PushWebhookOptions): HttpHandler {
  const refusals = opts.metrics.counter("kas_webhook_refused_total", "Push webhook calls refused, by reason", ["reason"]);
  const logRefusal = rateLimitedLog(opts.logger, "warn", "Push webhook refused");
  const refuse = (req: http.IncomingMessage, reason: Refusal, reply: HttpReply): HttpReply => {
    refusals.inc({ reason });
    logRefusal({ [F.reason]: reason, [F.peer]: req.socket.remoteAddress, [F.status]: reply.status });
    return reply;
  };
  return async (req, path) => {
    if (path !== WEBHOOK_PATH) return refuse(req, "not_found", jsonReply(404, { error: `no route ${req.method} ${path} (the push webhook is POST ${WEBHOOK_PATH})` }));
    if (req.method !== "POST") return refuse(req, "method", jsonReply(405, { error: "use POST" }, { allow: "POST" }));
    const secret = opts.secret();
    if (!secret) return refuse(req, "not_configured", jsonReply(404, { error: "webhooks are not configured (webhook.secret_file in kas config)" }));
    const given = req.headers["x-gitlab-token"];
    if (typeof given !== "string" || !sameSecret(given, secret)) return refuse(req, "token", jsonReply(401, { error: "wrong or missing X-Gitlab-Token" }));
    const body = await readBody(req, { max: MAX_WEBHOOK_BODY });
    if (!body.ok) {
      if (body.reason === "aborted") return abortedReply();
      // connection: close, so a client still sending learns the rest is not wanted.
      return refuse(req, "too_large", jsonReply(413, { error: `body over ${MAX_WEBHOOK_BODY} bytes (expected a GitLab push event)` }, { connection: "close" }));
    }
    const id = projectOf(body.body);
    if (typeof id !== "string") return refuse(req, "bad_request", jsonReply(400, { error: id.error }));
    if (!opts.projects().some((p) => p.id === id)) return refuse(req, "unknown_project", jsonReply(404, { error: `project ${id} is not configured in kas` }));
    opts.commits.refresh(id);
    opts.logger.info("Push webhook: checking project now", { [F.projectId]: id });
    return jsonReply(202, { refreshed: id });
  };
}

/** The project path of a push event, or what is wrong with the body. */
export function projectOf(raw: Buffer): string | { error: string } {
  let event: unknown;
  try {
    event = JSON.parse(raw.toString("utf8"));
  } catch {
    return { error: "body is not JSON (expected a GitLab push event)" };
  }
  // `null`, a list or a string parse fine and are not events (`null` used to end in a 500).
  if (!isObject(event)) return { error: "body is not a JSON object (expected a GitLab push event)" };
  const project = event.project;
  const id = isObject(project) ? project.path_with_namespace : undefined;
  if (typeof id !== "string" || id === "") return { error: "project.path_with_namespace missing from the push event" };
  return id;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The peer is gone mid-body; the reply goes nowhere. */
function abortedReply(): HttpReply {
  return jsonReply(400, { error: "request aborted" });
}
