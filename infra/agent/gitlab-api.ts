/**
 * A small client for GitLab's cluster agent REST API (GitLab docs: "Agents API",
 * "Agent tokens API"):
 *
 * - `GET    /projects/:id/cluster_agents`                         list (paginated)
 * - `GET    /projects/:id/cluster_agents/:agent_id`               one agent
 * - `POST   /projects/:id/cluster_agents` `{name}`                register (Maintainer)
 * - `DELETE /projects/:id/cluster_agents/:agent_id`               delete (204)
 * - `POST   /projects/:id/cluster_agents/:agent_id/tokens` `{name, description}`
 *                                                                create; the only response with `token`
 * - `GET    /projects/:id/cluster_agents/:agent_id/tokens`        active tokens, never the secret
 * - `DELETE /projects/:id/cluster_agents/:agent_id/tokens/:token_id` revoke (204, also when already revoked)
 *
 * and for kas's access to the configuration project ("Deploy tokens API", "Project webhooks API"):
 *
 * - `POST   /projects/:id/deploy_tokens` `{name, scopes, username?, expires_at?}`
 *                                                                create; the only response with `token`
 * - `DELETE /projects/:id/deploy_tokens/:token_id`                revoke (204)
 * - `POST   /projects/:id/hooks` `{url, push_events, token, enable_ssl_verification}` register a webhook
 * - `DELETE /projects/:id/hooks/:hook_id`                         delete (204)
 *
 * Authenticated with the `PRIVATE-TOKEN` header. The private token never appears
 * in an error: messages name the endpoint, the status and what to check.
 *
 * This module is captured by value into the GitLabAgentRegistration dynamic
 * provider (see registration.ts): it must stay free of module-level state and
 * of imports other than Node built-ins, and use the global `fetch`.
 */

/** Bounded so a hung GitLab fails the deployment instead of stalling it. */
export const DEFAULT_GITLAB_TIMEOUT_MS = 30_000;
/** GitLab's largest page; agents are few, so one page is the usual case. */
const PAGE_SIZE = 100;
/** A runaway `x-next-page` loop stops here (10,000 agents). */
const MAX_PAGES = 100;

export interface GitLabClientOptions {
  /** GitLab's address, e.g. `https://gitlab.example.com`; `/api/v4` is appended unless already there. */
  readonly gitlabUrl: string;
  /** An access token with the `api` scope; sent as `PRIVATE-TOKEN`, never echoed. */
  readonly privateToken: string;
  /** Per-request timeout. Default {@link DEFAULT_GITLAB_TIMEOUT_MS}. */
  readonly timeoutMs?: number;
}

export interface ClusterAgent {
  readonly id: number;
  readonly name: string;
  readonly config_project?: { readonly id: number; readonly path_with_namespace?: string };
  readonly created_at?: string;
}

export interface AgentToken {
  readonly id: number;
  readonly name: string;
  readonly description: string | null;
  readonly agent_id: number;
  readonly status: "active" | "revoked";
  readonly created_at?: string;
}

/** Only `POST .../tokens` returns this; the secret cannot be read again. */
export interface AgentTokenWithSecret extends AgentToken {
  readonly token: string;
}

/** Only `POST .../deploy_tokens` returns `token`; kas clones with `username` and `token` (HTTP basic auth). */
export interface DeployTokenWithSecret {
  readonly id: number;
  readonly name: string;
  readonly username: string;
  readonly token: string;
  readonly expires_at?: string | null;
  readonly scopes?: readonly string[];
}

export interface ProjectHook {
  readonly id: number;
  readonly url: string;
  readonly push_events?: boolean;
  readonly enable_ssl_verification?: boolean;
}

/** What went wrong, for callers that react (a 404 on delete is "already gone"). */
export type GitLabErrorKind =
  | "unauthorized"
  | "forbidden"
  | "project-not-found"
  | "not-found"
  | "name-taken"
  | "token-limit"
  | "bad-request"
  | "server"
  | "network";

export class GitLabApiError extends Error {
  override readonly name = "GitLabApiError";
  constructor(
    message: string,
    readonly kind: GitLabErrorKind,
    /** `METHOD url`; the URL never carries the private token. */
    readonly endpoint: string,
    /** HTTP status; 0 when GitLab was not reached. */
    readonly status: number,
  ) {
    super(message);
  }
}

/** `https://gitlab.example.com/` -> `https://gitlab.example.com/api/v4`. */
export function apiBaseUrl(gitlabUrl: string): string {
  const trimmed = gitlabUrl.trim().replace(/\/+$/, "");
  return /\/api\/v4$/.test(trimmed) ? trimmed : `${trimmed}/api/v4`;
}

/** GitLab takes a numeric id or the URL-encoded path: `group/agent-config` -> `group%2Fagent-config`. */
export function projectSegment(project: string | number): string {
  return encodeURIComponent(String(project));
}

interface Call {
  readonly method: "GET" | "POST" | "DELETE";
  readonly path: string;
  readonly body?: Record<string, unknown>;
  /** For messages: the project as the user wrote it, and the agent name or id involved. */
  readonly project: string;
  readonly agent?: string;
  /** For messages: the project's deploy token or webhook involved, e.g. `Deploy token id 7`. */
  readonly item?: string;
}

interface Reply {
  readonly status: number;
  readonly body: unknown;
  readonly nextPage: string | null;
}

export class GitLabAgentsApi {
  private readonly base: string;
  private readonly privateToken: string;
  private readonly timeoutMs: number;

  constructor(options: GitLabClientOptions) {
    this.base = apiBaseUrl(options.gitlabUrl);
    this.privateToken = options.privateToken;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_GITLAB_TIMEOUT_MS;
  }

  async listAgents(project: string): Promise<ClusterAgent[]> {
    const agents: ClusterAgent[] = [];
    let page: string | null = "1";
    for (let n = 0; page && n < MAX_PAGES; n++) {
      const path = `/projects/${projectSegment(project)}/cluster_agents?per_page=${PAGE_SIZE}&page=${encodeURIComponent(page)}`;
      const reply = await this.call({ method: "GET", path, project });
      agents.push(...(reply.body as ClusterAgent[]));
      page = reply.nextPage;
    }
    return agents;
  }

  async findAgent(project: string, name: string): Promise<ClusterAgent | undefined> {
    return (await this.listAgents(project)).find((a) => a.name === name);
  }

  /** undefined when the agent (or the project) is gone. */
  async getAgent(project: string, agentId: number): Promise<ClusterAgent | undefined> {
    const path = `/projects/${projectSegment(project)}/cluster_agents/${agentId}`;
    return this.unlessNotFound(async () => (await this.call({ method: "GET", path, project, agent: `id ${agentId}` })).body as ClusterAgent);
  }

  async registerAgent(project: string, name: string): Promise<ClusterAgent> {
    const path = `/projects/${projectSegment(project)}/cluster_agents`;
    return (await this.call({ method: "POST", path, body: { name }, project, agent: JSON.stringify(name) })).body as ClusterAgent;
  }

  /** false when the agent was already gone. */
  async deleteAgent(project: string, agentId: number): Promise<boolean> {
    const path = `/projects/${projectSegment(project)}/cluster_agents/${agentId}`;
    return (await this.unlessNotFound(() => this.call({ method: "DELETE", path, project, agent: `id ${agentId}` }))) !== undefined;
  }

  async createToken(project: string, agentId: number, token: { name: string; description?: string }): Promise<AgentTokenWithSecret> {
    const path = `/projects/${projectSegment(project)}/cluster_agents/${agentId}/tokens`;
    const body: Record<string, string> = token.description === undefined ? { name: token.name } : { name: token.name, description: token.description };
    const reply = await this.call({ method: "POST", path, body, project, agent: `id ${agentId}` });
    const created = reply.body as Partial<AgentTokenWithSecret>;
    if (typeof created.token !== "string" || typeof created.id !== "number") {
      throw new GitLabApiError(
        `GitLab answered POST ${this.base}${path} with ${reply.status} but without the token's "id" and "token"; expected GitLab's Agent tokens API (GitLab 15.0 or later).`,
        "server",
        `POST ${this.base}${path}`,
        reply.status,
      );
    }
    return created as AgentTokenWithSecret;
  }

  /** Active tokens only (GitLab lists no revoked ones); never includes the secret. */
  async listTokens(project: string, agentId: number): Promise<AgentToken[]> {
    const path = `/projects/${projectSegment(project)}/cluster_agents/${agentId}/tokens?per_page=${PAGE_SIZE}`;
    return (await this.call({ method: "GET", path, project, agent: `id ${agentId}` })).body as AgentToken[];
  }

  /** false when the token or its agent was already gone. */
  async revokeToken(project: string, agentId: number, tokenId: number): Promise<boolean> {
    const path = `/projects/${projectSegment(project)}/cluster_agents/${agentId}/tokens/${tokenId}`;
    return (await this.unlessNotFound(() => this.call({ method: "DELETE", path, project, agent: `id ${agentId}` }))) !== undefined;
  }

  /** A project deploy token (Maintainer); `scopes` e.g. `["read_repository"]`; no `expiresAt`: it does not expire. */
  async createDeployToken(project: string, token: { name: string; scopes: readonly string[]; username?: string; expiresAt?: string }): Promise<DeployTokenWithSecret> {
    const path = `/projects/${projectSegment(project)}/deploy_tokens`;
    const body: Record<string, unknown> = {
      name: token.name,
      scopes: token.scopes,
      ...(token.username === undefined ? {} : { username: token.username }),
      ...(token.expiresAt === undefined ? {} : { expires_at: token.expiresAt }),
    };
    const reply = await this.call({ method: "POST", path, body, project, item: `Deploy token ${JSON.stringify(token.name)}` });
    return this.expect<DeployTokenWithSecret>(reply, "POST", path, ["id", "username", "token"], "GitLab's Deploy tokens API (GitLab 12.9 or later)");
  }

  /** false when the token (or the project) was already gone. */
  async revokeDeployToken(project: string, tokenId: number): Promise<boolean> {
    const path = `/projects/${projectSegment(project)}/deploy_tokens/${tokenId}`;
    return (await this.unlessNotFound(() => this.call({ method: "DELETE", path, project, item: `Deploy token id ${tokenId}` }))) !== undefined;
  }

  /** A push-events webhook; GitLab sends `secret` as `X-Gitlab-Token` and never returns it. */
  async createPushHook(project: string, hook: { url: string; secret: string; enableSslVerification: boolean }): Promise<ProjectHook> {
    const path = `/projects/${projectSegment(project)}/hooks`;
    const body = { url: hook.url, push_events: true, token: hook.secret, enable_ssl_verification: hook.enableSslVerification };
    const reply = await this.call({ method: "POST", path, body, project, item: `Webhook ${hook.url}` });
    return this.expect<ProjectHook>(reply, "POST", path, ["id"], "GitLab's Project webhooks API");
  }

  /** false when the hook (or the project) was already gone. */
  async deleteHook(project: string, hookId: number): Promise<boolean> {
    const path = `/projects/${projectSegment(project)}/hooks/${hookId}`;
    return (await this.unlessNotFound(() => this.call({ method: "DELETE", path, project, item: `Webhook id ${hookId}` }))) !== undefined;
  }

  /** The reply's body, when it has the `fields` a created object must have. */
  private expect<T>(reply: Reply, method: string, path: string, fields: readonly string[], api: string): T {
    const body = reply.body as Record<string, unknown> | undefined;
    const missing = fields.filter((f) => body === undefined || body === null || body[f] === undefined);
    if (missing.length > 0) {
      throw new GitLabApiError(
        `GitLab answered ${method} ${this.base}${path} with ${reply.status} but without ${missing.map((f) => JSON.stringify(f)).join(", ")}; expected ${api}.`,
        "server",
        `${method} ${this.base}${path}`,
        reply.status,
      );
    }
    return body as T;
  }

  private async unlessNotFound<T>(request: () => Promise<T>): Promise<T | undefined> {
    try {
      return await request();
    } catch (err) {
      if (err instanceof GitLabApiError && err.kind === "not-found") return undefined;
      throw err;
    }
  }

  private async call(c: Call): Promise<Reply> {
    const url = `${this.base}${c.path}`;
    const endpoint = `${c.method} ${url}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: c.method,
        headers: {
          "PRIVATE-TOKEN": this.privateToken,
          Accept: "application/json",
          ...(c.body ? { "Content-Type": "application/json" } : {}),
        },
        body: c.body ? JSON.stringify(c.body) : undefined,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err);
      throw new GitLabApiError(
        this.redact(`Could not reach GitLab for ${endpoint}: ${cause}. Check the GitLab URL (gitops-agent:gitlab.url) and that this machine can reach it.`),
        "network",
        endpoint,
        0,
      );
    }
    const text = await response.text();
    let body: unknown = undefined;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    if (response.ok) return { status: response.status, body, nextPage: response.headers.get("x-next-page") || null };
    throw this.failure(c, endpoint, response.status, gitlabMessage(body));
  }

  private failure(c: Call, endpoint: string, status: number, said: string): GitLabApiError {
    const where = `${endpoint} returned ${status}${said ? ` (${said})` : ""}`;
    const project = JSON.stringify(c.project);
    const make = (kind: GitLabErrorKind, advice: string) => new GitLabApiError(this.redact(`${where}. ${advice}`), kind, endpoint, status);
    if (status === 401) {
      return make("unauthorized", "GitLab did not accept the access token: check that GITLAB_TOKEN holds a valid, unexpired token with the `api` scope.");
    }
    if (status === 403) {
      return make(
        "forbidden",
        `The token's user may not do this on project ${project}: registering or deleting an agent, creating or revoking its tokens or the project's deploy tokens, and managing webhooks need the Maintainer role, and the token needs the \`api\` scope.`,
      );
    }
    if (status === 404) {
      // GitLab answers 404 both for a missing project and for one the user cannot see; an agent-level call names the agent.
      if ((!c.agent && !c.item) || /project not found/i.test(said)) {
        return make(
          "project-not-found",
          `GitLab has no project ${project} visible to this token: check the project path (gitops-agent:gitlab.project, e.g. group/agent-config) and that the token's user is a member with at least the Developer role (Maintainer to register agents).`,
        );
      }
      return make("not-found", c.item ? `${c.item} does not exist in project ${project}.` : `Agent ${c.agent} (or the token asked for) does not exist in project ${project}.`);
    }
    if ((status === 400 || status === 409) && /has already been taken/i.test(said)) {
      return make(
        "name-taken",
        `An agent named ${c.agent ?? "so"} is already registered in project ${project}. Choose another agent name, or delete the existing agent in GitLab (Operate > Kubernetes clusters) if nothing uses it.`,
      );
    }
    if (status === 400 && /two active tokens/i.test(said)) {
      return make(
        "token-limit",
        `Agent ${c.agent ?? ""} already has two active tokens, GitLab's limit: revoke one it no longer needs (GitLab UI, or \`glab cluster agent token revoke\`) and retry.`,
      );
    }
    if (status >= 500) return make("server", "GitLab failed on its side; retry, and check GitLab's health if it persists.");
    return make("bad-request", "Check the request's values against GitLab's Agents API.");
  }

  /** Belt and braces: no message may carry the private token, whatever GitLab or the network layer said. */
  private redact(text: string): string {
    return this.privateToken ? text.split(this.privateToken).join("[private token]") : text;
  }
}

/** GitLab errors are `{"message": ...}` (a string, list or field map) or `{"error": "..."}`. */
function gitlabMessage(body: unknown): string {
  const raw = typeof body === "object" && body !== null ? ((body as Record<string, unknown>).message ?? (body as Record<string, unknown>).error) : body;
  const text = raw === undefined ? "" : typeof raw === "string" ? raw : JSON.stringify(raw);
  return text.length > 300 ? `${text.slice(0, 300)}...` : text;
}
