/**
 * A local stand-in for GitLab's cluster agent REST endpoints, for tests: the
 * documented contract (GitLab docs "Agents API" and "Agent tokens API"), agents
 * and tokens in memory.
 *
 * - no or unknown `PRIVATE-TOKEN` -> 401; a guest's token -> 403 on writes
 * - the token secret only in the POST .../tokens response; GET lists active tokens without it
 * - DELETE .../tokens/:id revokes (204, also when already revoked); a third active token -> 400
 * - an agent name taken in the project -> 400 `["Name has already been taken"]`
 *
 * and the project side (gitlab-projects.ts): deploy tokens, push webhooks
 * (deliverPush posts a push event to them) and, with `repos`, each project's
 * repository over smart HTTP for its active deploy tokens.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { answerProjectItem, deliverPush, serveProjectGit, type FakeDeployToken, type FakeHook, type GitRequest, type HookDelivery, type ProjectItems } from "./gitlab-projects";

export type { FakeDeployToken, FakeHook, GitRequest, HookDelivery };

export interface FakeAgent {
  id: number;
  name: string;
  projectId: number;
}

export interface FakeToken {
  id: number;
  agentId: number;
  name: string;
  description: string | null;
  status: "active" | "revoked";
  secret: string;
}

export interface FakeGitLab {
  /** e.g. `http://127.0.0.1:41234` (no /api/v4). */
  readonly url: string;
  readonly agents: Map<number, FakeAgent>;
  readonly tokens: Map<number, FakeToken>;
  readonly deployTokens: Map<number, FakeDeployToken>;
  readonly hooks: Map<number, FakeHook>;
  /** Every answered API request as `METHOD path -> status`, for assertions on order (git requests are in gitRequests). */
  readonly requests: string[];
  readonly gitRequests: GitRequest[];
  readonly deliveries: HookDelivery[];
  /** What GitLab does after a push to `project` (a path): a push event POSTed to each of its push hooks. */
  deliverPush(project: string): Promise<HookDelivery[]>;
  close(): Promise<void>;
}

export interface FakeGitLabOptions {
  /** `path_with_namespace` -> id. */
  readonly projects: Record<string, number>;
  /** Access tokens with Maintainer rights. */
  readonly maintainerTokens: readonly string[];
  /** Access tokens of a Guest: reads are 404 (GitLab hides clusters from guests), writes 403. */
  readonly guestTokens?: readonly string[];
  /** Folder of bare repositories `<project path>.git`, served at `<url>/<project path>.git` to deploy tokens. */
  readonly repos?: string;
}

const ACTIVE_TOKENS_LIMIT = 2;

export async function startFakeGitLab(options: FakeGitLabOptions): Promise<FakeGitLab> {
  const agents = new Map<number, FakeAgent>();
  const tokens = new Map<number, FakeToken>();
  const requests: string[] = [];
  const items: ProjectItems = { deployTokens: new Map(), hooks: new Map(), gitRequests: [], deliveries: [] };
  let nextId = 100;
  const newId = () => nextId++;
  const pathOf = (projectId: number) => Object.entries(options.projects).find(([, id]) => id === projectId)?.[0] ?? String(projectId);

  const agentJson = (a: FakeAgent) => ({
    id: a.id,
    name: a.name,
    config_project: { id: a.projectId, path_with_namespace: pathOf(a.projectId) },
    created_at: "2024-01-01T00:00:00.000Z",
    created_by_user_id: 1,
  });
  const tokenJson = (t: FakeToken) => ({
    id: t.id,
    name: t.name,
    description: t.description,
    agent_id: t.agentId,
    status: t.status,
    created_at: "2024-01-01T00:00:00.000Z",
    created_by_user_id: 1,
  });

  /** An id or URL-encoded path -> the project's id, if the project exists. */
  const projectIdOf = (raw: string | undefined): number | undefined => {
    const key = decodeURIComponent(raw ?? "");
    const id = /^\d+$/.test(key) ? Number(key) : options.projects[key];
    return id !== undefined && Object.values(options.projects).includes(id) ? id : undefined;
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body?: unknown) => {
      res.writeHead(status, body === undefined ? {} : { "content-type": "application/json" });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    const url = new URL(req.url ?? "/", "http://fake");
    const method = req.method ?? "GET";
    const repo = /^\/(.+)\.git\/(info\/refs|git-upload-pack|git-receive-pack)$/.exec(url.pathname);
    if (repo && options.repos !== undefined) {
      const project = decodeURIComponent(repo[1] ?? "");
      const id = options.projects[project];
      if (id !== undefined) return serveProjectGit(items, options.repos, { path: project, id }, req, res);
    }
    res.on("finish", () => requests.push(`${method} ${url.pathname} -> ${res.statusCode}`));
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>) : {};

    const privateToken = req.headers["private-token"];
    const maintainer = typeof privateToken === "string" && options.maintainerTokens.includes(privateToken);
    const guest = typeof privateToken === "string" && (options.guestTokens ?? []).includes(privateToken);
    if (!maintainer && !guest) return send(401, { message: "401 Unauthorized" });

    const item = /^\/api\/v4\/projects\/([^/]+)\/(deploy_tokens|hooks)(?:\/(\d+))?$/.exec(url.pathname);
    if (item) {
      const projectId = projectIdOf(item[1]);
      if (projectId === undefined) return send(404, { message: "404 Project Not Found" });
      if (guest) return send(403, { message: "403 Forbidden" });
      const answer = answerProjectItem(items, newId, { method, projectId, kind: item[2] ?? "", itemId: item[3] === undefined ? undefined : Number(item[3]), body });
      return send(answer.status, answer.body);
    }
    // The raw path keeps %2F encoded: /api/v4/projects/:id/cluster_agents[/:agent_id[/tokens[/:token_id]]]
    const m = /^\/api\/v4\/projects\/([^/]+)\/cluster_agents(?:\/(\d+)(?:\/(tokens)(?:\/(\d+))?)?)?$/.exec(url.pathname);
    if (!m) return send(404, { error: "404 Not Found" });
    const [, rawProject, agentIdText, tokensPart, tokenIdText] = m;
    const projectId = projectIdOf(rawProject);
    if (projectId === undefined) return send(404, { message: "404 Project Not Found" });

    const write = method !== "GET";
    if (guest) return write ? send(403, { message: "403 Forbidden" }) : send(404, { message: "404 Not found" });

    if (agentIdText === undefined) {
      if (method === "GET") return send(200, [...agents.values()].filter((a) => a.projectId === projectId).map(agentJson));
      if (method === "POST") {
        const name = body.name;
        if (typeof name !== "string" || name === "") return send(400, { error: "name is missing" });
        if ([...agents.values()].some((a) => a.projectId === projectId && a.name === name)) {
          return send(400, { message: '400 Bad request - ["Name has already been taken"]' });
        }
        const agent = { id: nextId++, name, projectId };
        agents.set(agent.id, agent);
        return send(201, agentJson(agent));
      }
      return send(405, { message: "405 Method Not Allowed" });
    }

    const agent = agents.get(Number(agentIdText));
    if (!agent || agent.projectId !== projectId) return send(404, { message: "404 Not found" });

    if (tokensPart === undefined) {
      if (method === "GET") return send(200, agentJson(agent));
      if (method === "DELETE") {
        agents.delete(agent.id);
        for (const t of tokens.values()) if (t.agentId === agent.id) tokens.delete(t.id);
        return send(204);
      }
      return send(405, { message: "405 Method Not Allowed" });
    }

    const active = [...tokens.values()].filter((t) => t.agentId === agent.id && t.status === "active");
    if (tokenIdText === undefined) {
      if (method === "GET") return send(200, active.map(tokenJson));
      if (method === "POST") {
        const name = body.name;
        if (typeof name !== "string" || name === "") return send(400, { error: "name is missing" });
        if (active.length >= ACTIVE_TOKENS_LIMIT) return send(400, { message: "400 Bad request - An agent can have only two active tokens at a time" });
        const description = typeof body.description === "string" ? body.description : null;
        const token: FakeToken = { id: nextId++, agentId: agent.id, name, description, status: "active", secret: `glagent-${randomBytes(38).toString("base64url").slice(0, 50)}` };
        tokens.set(token.id, token);
        return send(201, { ...tokenJson(token), last_used_at: null, token: token.secret });
      }
      return send(405, { message: "405 Method Not Allowed" });
    }

    const token = tokens.get(Number(tokenIdText));
    if (!token || token.agentId !== agent.id) return send(404, { message: "404 Not found" });
    if (method === "GET") return token.status === "active" ? send(200, { ...tokenJson(token), last_used_at: null }) : send(404, { message: "404 Not found" });
    if (method === "DELETE") {
      token.status = "revoked";
      return send(204);
    }
    return send(405, { message: "405 Method Not Allowed" });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ message: `500 Internal Server Error: ${String(err)}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    agents,
    tokens,
    deployTokens: items.deployTokens,
    hooks: items.hooks,
    requests,
    gitRequests: items.gitRequests,
    deliveries: items.deliveries,
    deliverPush: (project: string) => {
      const id = options.projects[project];
      if (id === undefined) throw new Error(`no project ${project} in the fake`);
      return deliverPush(items, { path: project, id });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
