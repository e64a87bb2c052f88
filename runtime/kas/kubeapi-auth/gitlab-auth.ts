/**
 * Credentials GitLab vouches for (kas in GitLab mode, agents.registry gitlab),
 * decided as GitLab's kas decides them:
 *
 * - a CI job token: GitLab's allowed_agents answer must list the target
 *   agent; GitLab has already matched the job against that agent's
 *   ci_access (projects, groups, environments, protected refs), so kas runs
 *   the request as the answer's `access_as` (ci_job from the answer's job,
 *   project, ancestor groups, pipeline, user and environment).
 * - a personal access token (`pat:`): the agent's config must have
 *   `user_access` (else 403 without asking GitLab); GitLab's
 *   authorize_proxy_user says who the user is and their roles where
 *   user_access admits them; its `access_as` must be the one the config
 *   names (GitLab reads the config at its own commit: when they disagree,
 *   kas refuses rather than guess).
 *
 * Answers are remembered by the token's hash (CredentialCache; a PAT's with
 * the agent id, as GitLab's answer is per agent): a grant for the cache's
 * TTL, a refusal for `errorTtlMs`, an unreachable GitLab not at all. A token
 * GitLab revokes is thus refused within the TTL (kas.yaml
 * kubernetes_api.allowed_agent_cache_ttl, default 60 s). Statuses differ from
 * GitLab's kas in one way: a user GitLab refuses gets 403 (GitLab's kas says
 * 401), as the credential is good but not for this agent.
 */
import type { GitLabAnswer } from "../registry";
import type { CredentialCache } from "./credential-cache";
import { parseAllowedAgents, parseProxyUser, ALLOWED_AGENTS_PATH, AUTHORIZE_PROXY_USER_PATH, type JobAllowance, type ProxyUser } from "./gitlab-answers";
import type { GitLabCredentialsApi } from "./gitlab-client";
import { accessAsFor, userIdentity, type AccessAs, type AgentRef } from "./identity";

export type RefusalStatus = 401 | 403 | 502 | 503;
export interface GitLabRefusal {
  readonly ok: false;
  readonly status: RefusalStatus;
  readonly reason: string;
  /** Remembered for the error TTL (GitLab said no), or not (GitLab could not answer). */
  readonly cacheable: boolean;
}
export type GitLabVerdict<T> = { readonly ok: true; readonly value: T } | GitLabRefusal;

export type Grant = { readonly allowed: true; readonly accessAs: AccessAs; readonly by: string } | { readonly allowed: false; readonly status: RefusalStatus; readonly reason: string };

export interface GitLabAuthOptions {
  readonly api: GitLabCredentialsApi;
  readonly jobs: CredentialCache<GitLabVerdict<JobAllowance>>;
  readonly users: CredentialCache<GitLabVerdict<ProxyUser>>;
  /** How long GitLab's refusal of a token is remembered; default 10 s (GitLab's kas allowed_agent_cache_error_ttl). */
  readonly errorTtlMs?: number;
  /** Milliseconds; default Date.now. */
  readonly now?: () => number;
}

export const DEFAULT_ERROR_TTL_MS = 10_000;

const refusal = (status: RefusalStatus, reason: string, cacheable = true): GitLabRefusal => ({ ok: false, status, reason, cacheable });

/** What GitLab's allowed_agents answer means (pure). */
export function readAllowedAgentsAnswer(answer: GitLabAnswer): GitLabVerdict<JobAllowance> {
  switch (answer.status) {
    case 200: {
      const parsed = parseAllowedAgents(answer.body);
      return parsed.ok ? parsed : refusal(502, parsed.reason, false);
    }
    case 401:
      return refusal(401, "GitLab does not accept this CI job token (the job has finished, or the token is unknown or revoked)");
    case 403:
      return refusal(403, "GitLab refuses this CI job token the list of its agents (HTTP 403)");
    case 404:
      return refusal(401, "GitLab finds no running job for this token (HTTP 404): expected a CI job token");
    default:
      return refusal(503, `GitLab ${ALLOWED_AGENTS_PATH} answered HTTP ${answer.status}`, false);
  }
}

/** What GitLab's authorize_proxy_user answer means (pure). */
export function readProxyUserAnswer(answer: GitLabAnswer, agentId: string): GitLabVerdict<ProxyUser> {
  switch (answer.status) {
    case 200: {
      const parsed = parseProxyUser(answer.body);
      if (!parsed.ok) return refusal(502, parsed.reason, false);
      if (parsed.value.agentId !== agentId) return refusal(502, `GitLab ${AUTHORIZE_PROXY_USER_PATH} answered for agent ${parsed.value.agentId}; kas asked about agent ${agentId}`, false);
      return parsed;
    }
    case 400:
    case 401:
      return refusal(401, `GitLab does not accept this personal access token (HTTP ${answer.status}: unknown, revoked, expired, or without the k8s_proxy scope)`);
    case 403:
      return refusal(403, `GitLab: the token's user may not use agent ${agentId} (its user_access lists no project or group where they have the Developer role or more)`);
    case 404:
      return refusal(403, `GitLab knows no agent ${agentId}`);
    default:
      return refusal(503, `GitLab ${AUTHORIZE_PROXY_USER_PATH} answered HTTP ${answer.status}`, false);
  }
}

async function remembered<T>(cache: CredentialCache<GitLabVerdict<T>>, key: string, ask: () => Promise<GitLabVerdict<T>>, o: GitLabAuthOptions): Promise<GitLabVerdict<T>> {
  const now = o.now ?? Date.now;
  const guarded = async (): Promise<GitLabVerdict<T>> => {
    try {
      return await ask();
    } catch (err) {
      return refusal(503, err instanceof Error ? err.message : String(err), false);
    }
  };
  return cache.remember(key, guarded, (v) => (v.ok ? { keep: true } : { keep: v.cacheable, expiresAtMs: now() + (o.errorTtlMs ?? DEFAULT_ERROR_TTL_MS) }));
}

export async function authorizeJobToken(token: string, agent: AgentRef, o: GitLabAuthOptions): Promise<Grant> {
  const verdict = await remembered(o.jobs, token, async () => readAllowedAgentsAnswer(await o.api.allowedAgents(token)), o);
  if (!verdict.ok) return { allowed: false, status: verdict.status, reason: verdict.reason };
  const { job, allowedAgents } = verdict.value;
  const allowed = allowedAgents.find((a) => a.id === agent.id);
  if (allowed === undefined) {
    return { allowed: false, status: 403, reason: `GitLab does not allow job ${job.jobId} of project ${job.projectId} to use agent ${agent.id}: the agent's ci_access does not authorise the job's project, group, environment or ref (GitLab allows ${allowedAgents.length} other agent(s))` };
  }
  const ref: AgentRef = { ...agent, configProjectId: allowed.configProjectId };
  return { allowed: true, accessAs: accessAsFor(allowed.accessAs, job, ref), by: `GitLab's allowed_agents for job ${job.jobId}` };
}

export async function authorizeUserToken(token: string, agent: AgentRef, userAccess: { readonly access_as: { readonly kind: "agent" | "user" } } | undefined, o: GitLabAuthOptions): Promise<Grant> {
  const name = `agent ${agent.configProjectPath}:${agent.name}`;
  if (userAccess === undefined) return { allowed: false, status: 403, reason: `${name} has no user_access in its configuration: no personal access token may use it` };
  const verdict = await remembered(o.users, `${agent.id}:${token}`, async () => readProxyUserAnswer(await o.api.authorizeProxyUser(agent.id, token), agent.id), o);
  if (!verdict.ok) return { allowed: false, status: verdict.status, reason: verdict.reason };
  const user = verdict.value;
  const wanted = userAccess.access_as.kind;
  if (user.accessAs.kind !== wanted) {
    return {
      allowed: false,
      status: 403,
      reason: `${name}: its user_access says access_as ${wanted}, GitLab's authorize_proxy_user says ${user.accessAs.kind} (GitLab reads the config at another commit?); refused rather than guess`,
    };
  }
  const by = `user_access of ${name} for GitLab user ${user.username}`;
  if (user.accessAs.kind === "agent") return { allowed: true, accessAs: { kind: "agent" }, by };
  return { allowed: true, accessAs: userIdentity({ username: user.username, configProjectId: user.configProjectId, ...user.accessAs }, agent.id, "personal_access_token"), by };
}
