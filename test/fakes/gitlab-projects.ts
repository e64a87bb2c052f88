/**
 * The project side of the GitLab fake (gitlab-agents-api.ts): deploy tokens
 * (GitLab docs "Deploy tokens API"), push webhooks ("Project webhooks API")
 * and the project's repository over smart HTTP at `<url>/<project>.git`, which
 * needs HTTP basic auth with an active deploy token of that project (its
 * username and token) with scope read_repository, and never takes a push.
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import * as path from "node:path";
import { runGitBackend } from "../git";

export interface FakeDeployToken {
  id: number;
  projectId: number;
  name: string;
  username: string;
  secret: string;
  scopes: string[];
  expiresAt: string | null;
  /** DELETE .../deploy_tokens/:id revokes it: git then answers 401. */
  revoked: boolean;
}

export interface FakeHook {
  id: number;
  projectId: number;
  url: string;
  /** The `token` GitLab sends as X-Gitlab-Token (never returned by the API). */
  secret: string;
  pushEvents: boolean;
  enableSslVerification: boolean;
  /** DELETE .../hooks/:id; kept for assertions. */
  deleted: boolean;
}

/** One POST of a push event to a hook, as GitLab makes it. */
export interface HookDelivery {
  readonly hookId: number;
  readonly url: string;
  /** HTTP status of the hook's answer; 0 when it was not reached. */
  readonly status: number;
  readonly body: string;
}

/** One smart-HTTP request to a project's repository. */
export interface GitRequest {
  readonly project: string;
  readonly path: string;
  /** The basic-auth user name sent, if any. */
  readonly username?: string;
  readonly status: number;
}

export interface ProjectItems {
  readonly deployTokens: Map<number, FakeDeployToken>;
  readonly hooks: Map<number, FakeHook>;
  readonly gitRequests: GitRequest[];
  readonly deliveries: HookDelivery[];
}

export interface Answer {
  readonly status: number;
  readonly body?: unknown;
}

const READ_REPOSITORY = "read_repository";

const deployTokenJson = (t: FakeDeployToken) => ({
  id: t.id,
  name: t.name,
  username: t.username,
  expires_at: t.expiresAt,
  revoked: t.revoked,
  expired: false,
  scopes: t.scopes,
});
const hookJson = (h: FakeHook) => ({
  id: h.id,
  url: h.url,
  project_id: h.projectId,
  push_events: h.pushEvents,
  enable_ssl_verification: h.enableSslVerification,
  created_at: "2024-01-01T00:00:00.000Z",
});

/** `/projects/:id/deploy_tokens[/:token_id]` and `/projects/:id/hooks[/:hook_id]`, for a Maintainer. */
export function answerProjectItem(items: ProjectItems, newId: () => number, req: { method: string; projectId: number; kind: string; itemId?: number; body: Record<string, unknown> }): Answer {
  const { method, projectId, body } = req;
  if (req.kind === "deploy_tokens") {
    const mine = [...items.deployTokens.values()].filter((t) => t.projectId === projectId);
    if (req.itemId === undefined) {
      if (method === "GET") return { status: 200, body: mine.filter((t) => !t.revoked).map(deployTokenJson) };
      if (method !== "POST") return { status: 405, body: { message: "405 Method Not Allowed" } };
      const scopes = body.scopes;
      if (typeof body.name !== "string" || body.name === "") return { status: 400, body: { error: "name is missing" } };
      if (!Array.isArray(scopes) || scopes.length === 0 || !scopes.every((s) => typeof s === "string")) return { status: 400, body: { error: "scopes is missing" } };
      const id = newId();
      const username = typeof body.username === "string" && body.username !== "" ? body.username : `gitlab+deploy-token-${id}`;
      const token: FakeDeployToken = { id, projectId, name: body.name, username, secret: `gldt-${randomBytes(15).toString("base64url")}`, scopes: scopes as string[], expiresAt: typeof body.expires_at === "string" ? body.expires_at : null, revoked: false };
      items.deployTokens.set(id, token);
      return { status: 201, body: { ...deployTokenJson(token), token: token.secret } };
    }
    const token = mine.find((t) => t.id === req.itemId && !t.revoked);
    if (!token) return { status: 404, body: { message: "404 Not found" } };
    if (method === "GET") return { status: 200, body: deployTokenJson(token) };
    if (method !== "DELETE") return { status: 405, body: { message: "405 Method Not Allowed" } };
    token.revoked = true;
    return { status: 204 };
  }
  const mine = [...items.hooks.values()].filter((h) => h.projectId === projectId && !h.deleted);
  if (req.itemId === undefined) {
    if (method === "GET") return { status: 200, body: mine.map(hookJson) };
    if (method !== "POST") return { status: 405, body: { message: "405 Method Not Allowed" } };
    if (typeof body.url !== "string" || !/^https?:\/\//.test(body.url)) return { status: 422, body: { error: "Invalid url given" } };
    const hook: FakeHook = {
      id: newId(),
      projectId,
      url: body.url,
      secret: typeof body.token === "string" ? body.token : "",
      pushEvents: body.push_events !== false,
      enableSslVerification: body.enable_ssl_verification === true,
      deleted: false,
    };
    items.hooks.set(hook.id, hook);
    return { status: 201, body: hookJson(hook) };
  }
  const hook = mine.find((h) => h.id === req.itemId);
  if (!hook) return { status: 404, body: { message: "404 Not found" } };
  if (method === "GET") return { status: 200, body: hookJson(hook) };
  if (method !== "DELETE") return { status: 405, body: { message: "405 Method Not Allowed" } };
  hook.deleted = true;
  return { status: 204 };
}

/**
 * `<project>.git/...`: the repository `<repos>/<project>.git` through `git
 * http-backend`, for an active read_repository deploy token of the project.
 */
export function serveProjectGit(
  items: ProjectItems,
  repos: string,
  project: { path: string; id: number },
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const url = new URL(req.url ?? "/", "http://fake");
  const m = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? "");
  const [username, ...rest] = m?.[1] ? Buffer.from(m[1], "base64").toString("utf8").split(":") : [];
  const password = rest.join(":");
  const record = (status: number) => items.gitRequests.push({ project: project.path, path: url.pathname, ...(username === undefined ? {} : { username }), status });
  const token = [...items.deployTokens.values()].find((t) => t.projectId === project.id && !t.revoked && t.username === username && t.secret === password);
  if (!token || !token.scopes.includes(READ_REPOSITORY)) {
    record(401);
    res.writeHead(401, { "WWW-Authenticate": 'Basic realm="GitLab"', "Content-Type": "text/plain" });
    res.end("HTTP Basic: Access denied\n");
    return;
  }
  if (url.pathname.endsWith("/git-receive-pack") || url.searchParams.get("service") === "git-receive-pack") {
    record(403);
    res.writeHead(403, { "Content-Type": "text/plain" });
    res.end("You are not allowed to push code to this project.\n");
    return;
  }
  res.on("finish", () => record(res.statusCode));
  runGitBackend(req, res, path.resolve(repos), username);
}

/** POSTs a push event for `project` to each of its push hooks, as GitLab does after a push; returns the deliveries. */
export async function deliverPush(items: ProjectItems, project: { path: string; id: number }, ref = "refs/heads/main"): Promise<HookDelivery[]> {
  const event = { object_kind: "push", event_name: "push", ref, project_id: project.id, project: { id: project.id, path_with_namespace: project.path } };
  const done: HookDelivery[] = [];
  for (const hook of items.hooks.values()) {
    if (hook.projectId !== project.id || hook.deleted || !hook.pushEvents) continue;
    let delivery: HookDelivery;
    try {
      const res = await fetch(hook.url, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Gitlab-Event": "Push Hook", "X-Gitlab-Token": hook.secret },
        body: JSON.stringify(event),
        signal: AbortSignal.timeout(10_000),
      });
      delivery = { hookId: hook.id, url: hook.url, status: res.status, body: await res.text() };
    } catch (err) {
      delivery = { hookId: hook.id, url: hook.url, status: 0, body: String(err) };
    }
    items.deliveries.push(delivery);
    done.push(delivery);
  }
  return done;
}
