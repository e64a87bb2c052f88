/**
 * kas's two questions to GitLab about a Kubernetes API credential, asked as
 * GitLab's kas asks them (both with the Gitlab-Kas-Api-Request JWT):
 * `GET /api/v4/job/allowed_agents` with the job token in `Job-Token`, and
 * `POST /api/v4/internal/kubernetes/authorize_proxy_user` with
 * `{agent_id, access_type: "personal_access_token", access_key}`. The
 * answers come back unread (see gitlab-answers.ts); an unreachable GitLab
 * rejects with a message that names the endpoint, never the token.
 */
import { callGitLab, gitlabEndpoint, readKasSecret, type GitLabAnswer } from "../registry";
import { ALLOWED_AGENTS_PATH, AUTHORIZE_PROXY_USER_PATH } from "./gitlab-answers";

/** What the Kubernetes API proxy asks GitLab; GitLabCredentialsClient over HTTP. */
export interface GitLabCredentialsApi {
  allowedAgents(jobToken: string): Promise<GitLabAnswer>;
  authorizeProxyUser(agentId: string, personalAccessToken: string): Promise<GitLabAnswer>;
}

export interface GitLabCredentialsClientOptions {
  /** GitLab's base URL (agents.gitlab.url). */
  readonly url: string;
  /** GitLab's kas secret file (agents.gitlab.secret_file). */
  readonly secretFile: string;
  /** Per request; default 10 s. */
  readonly timeoutMs?: number;
  /** Extra CA certificates (PEM) for a GitLab with a private CA. */
  readonly ca?: string | Buffer;
}

export class GitLabCredentialsClient implements GitLabCredentialsApi {
  private readonly allowed: URL;
  private readonly proxyUser: URL;
  private readonly secret: Buffer;

  constructor(private readonly options: GitLabCredentialsClientOptions) {
    this.allowed = gitlabEndpoint(options.url, ALLOWED_AGENTS_PATH);
    this.proxyUser = gitlabEndpoint(options.url, AUTHORIZE_PROXY_USER_PATH);
    this.secret = readKasSecret(options.secretFile);
  }

  allowedAgents(jobToken: string): Promise<GitLabAnswer> {
    return callGitLab({ method: "GET", url: this.allowed, secret: this.secret, headers: { "Job-Token": jobToken }, timeoutMs: this.options.timeoutMs, ca: this.options.ca });
  }

  authorizeProxyUser(agentId: string, personalAccessToken: string): Promise<GitLabAnswer> {
    // GitLab's agent ids are numbers; a name (file registry) is sent as it is and GitLab refuses it.
    const id = /^[0-9]{1,15}$/.test(agentId) ? Number(agentId) : agentId;
    const json = { agent_id: id, access_type: "personal_access_token", access_key: personalAccessToken };
    return callGitLab({ method: "POST", url: this.proxyUser, secret: this.secret, json, timeoutMs: this.options.timeoutMs, ca: this.options.ca });
  }
}
