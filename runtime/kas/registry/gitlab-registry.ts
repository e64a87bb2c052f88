/**
 * Agent registry backed by GitLab: `GET /api/v4/internal/kubernetes/agent_info`
 * with the agent token as Bearer and a `Gitlab-Kas-Api-Request` JWT, as GitLab's
 * own kas does. 200 -> the agent; 401 -> unknown or revoked token; anything
 * else -> RegistryUnavailableError. Answers are cached by the token's SHA-256
 * (30 s for a known token, 5 s for an unknown one) and concurrent lookups of one
 * token share a request, so not every RPC reaches GitLab.
 */
import { F, silentLogger, type Logger } from "../../common";
import { TtlCache } from "./cache";
import { callGitLab, gitlabEndpoint, shownEndpoint } from "./gitlab-http";
import { readKasSecret } from "./jwt";
import { hashToken, isPlausibleToken } from "./tokens";
import { RegistryUnavailableError, type AgentInfo, type AgentRegistry } from "./types";

export interface GitLabRegistryOptions {
  /** GitLab's base URL, e.g. `https://gitlab.example.com` (a relative URL root such as `/gitlab` is kept). */
  readonly url: string;
  /** GitLab's kas secret file: base64 of 32 bytes. */
  readonly secretFile: string;
  readonly logger?: Logger;
  /** Clock of the cache (ms). The JWT always uses the real time, as GitLab checks it. */
  readonly now?: () => number;
  readonly cacheTtlMs?: number;
  readonly negativeCacheTtlMs?: number;
  readonly maxCacheEntries?: number;
  readonly timeoutMs?: number;
  /** Extra CA certificates (PEM) for a GitLab with a private CA. */
  readonly ca?: string | Buffer;
}

export const AGENT_INFO_PATH = "api/v4/internal/kubernetes/agent_info";

/** The fields of GitLab's agent_info answer this registry reads (it also carries gitaly_info, never logged). */
interface AgentInfoBody {
  readonly project_id?: unknown;
  readonly agent_id?: unknown;
  readonly agent_name?: unknown;
  readonly gitaly_repository?: { readonly gl_project_path?: unknown } | null;
}

export class GitLabRegistry implements AgentRegistry {
  private readonly endpoint: URL;
  /** The endpoint as shown in messages: no credentials, no query. */
  private readonly shownUrl: string;
  private readonly secret: Buffer;
  private readonly cache: TtlCache<AgentInfo | undefined>;
  private readonly pending = new Map<string, Promise<AgentInfo | undefined>>();
  private readonly log: Logger;

  constructor(private readonly options: GitLabRegistryOptions) {
    this.endpoint = gitlabEndpoint(options.url, AGENT_INFO_PATH);
    this.shownUrl = shownEndpoint(this.endpoint);
    this.secret = readKasSecret(options.secretFile);
    this.cache = new TtlCache(options.now ?? Date.now, options.maxCacheEntries ?? 10_000);
    this.log = (options.logger ?? silentLogger).with({ [F.component]: "agent_registry", [F.url]: this.shownUrl });
  }

  /** GitLab cannot tell kas of a revocation: tokens of open streams are asked again once per cache period. */
  get recheckIntervalMs(): number {
    return this.options.cacheTtlMs ?? 30_000;
  }

  async authenticate(token: string): Promise<AgentInfo | undefined> {
    if (!isPlausibleToken(token)) return undefined;
    const key = hashToken(token);
    const cached = this.cache.get(key);
    if (cached.found) return cached.value;
    let request = this.pending.get(key);
    if (request === undefined) {
      request = this.lookup(token, key).finally(() => this.pending.delete(key));
      this.pending.set(key, request);
    }
    return request;
  }

  close(): void {
    this.cache.clear();
  }

  private async lookup(token: string, key: string): Promise<AgentInfo | undefined> {
    const started = Date.now();
    const { status, body } = await this.get(token);
    this.log.debug("GitLab agent_info answered", { [F.status]: status, [F.durationMs]: Date.now() - started });
    if (status === 401) {
      this.cache.set(key, undefined, this.options.negativeCacheTtlMs ?? 5_000);
      return undefined;
    }
    if (status !== 200) throw new RegistryUnavailableError(`GitLab ${this.shownUrl} answered HTTP ${status}`);
    const info = this.toAgentInfo(body);
    this.cache.set(key, info, this.options.cacheTtlMs ?? 30_000);
    return info;
  }

  private toAgentInfo(body: string): AgentInfo {
    let parsed: AgentInfoBody;
    try {
      parsed = JSON.parse(body) as AgentInfoBody;
    } catch {
      throw new RegistryUnavailableError(`GitLab ${this.shownUrl} answered HTTP 200 with a body that is not JSON`);
    }
    const agentId = parsed.agent_id;
    const name = parsed.agent_name;
    const projectPath = parsed.gitaly_repository?.gl_project_path;
    const projectId = parsed.project_id;
    const bad = (what: string): RegistryUnavailableError =>
      new RegistryUnavailableError(`GitLab ${this.shownUrl} answered HTTP 200 without ${what}`);
    if ((typeof agentId !== "number" && typeof agentId !== "string") || agentId === "") throw bad("agent_id");
    if (typeof name !== "string" || name === "") throw bad("agent_name");
    // The configuration project is identified by its full path; older answers without it fall back to the id.
    let configProjectId: string;
    if (typeof projectPath === "string" && projectPath !== "") configProjectId = projectPath;
    else if (typeof projectId === "number" || (typeof projectId === "string" && projectId !== "")) configProjectId = String(projectId);
    else throw bad("gitaly_repository.gl_project_path or project_id");
    return { id: String(agentId), name, configProjectId };
  }

  private get(token: string): Promise<{ status: number; body: string }> {
    return callGitLab({ method: "GET", url: this.endpoint, secret: this.secret, headers: { Authorization: `Bearer ${token}` }, timeoutMs: this.options.timeoutMs, ca: this.options.ca });
  }
}
