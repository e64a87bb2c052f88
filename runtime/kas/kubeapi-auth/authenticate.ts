/**
 * The whole check the Kubernetes API proxy makes for a request. The
 * Authorization header names the agent and carries a credential:
 *
 * - `ci:<agent id>:<OIDC ID token>`: verified against kubernetes_api.oidc
 *   (or found in the cache by its hash), read as a CI job, and matched
 *   against that agent's `ci_access`;
 * - `ci:<agent id>:<CI job token>` (GitLab mode): GitLab's allowed_agents
 *   decides (gitlab-auth.ts); token-kind.ts tells the two apart;
 * - `pat:<agent id>:<personal access token>` (GitLab mode): the agent's
 *   `user_access` and GitLab's authorize_proxy_user decide.
 *
 * The answer carries the HTTP status to refuse with: 401 when the credential
 * is not good, 403 when it is good but not for this agent (as GitLab's kas
 * answers), 502/503 when GitLab answers badly or not at all.
 */
import type { CiAccessConfig, UserAccessConfig } from "../agentcfg";
import { authorizeCiJob } from "./authorize";
import { parseBearer, PAT_TOKEN_TYPE } from "./bearer";
import { ciJobFromClaims, type CiJobResult } from "./ci-job";
import type { CredentialCache } from "./credential-cache";
import type { AccessAs, AgentRef } from "./identity";
import { authorizeJobToken, authorizeUserToken, type GitLabAuthOptions, type RefusalStatus } from "./gitlab-auth";
import { verifyIdToken, type VerifyOptions } from "./jwt";
import { ciTokenKind } from "./token-kind";

export interface TargetAgent {
  readonly agent: AgentRef;
  readonly ciAccess: CiAccessConfig;
  /** Undefined when the agent's config has no user_access: no user may use it. */
  readonly userAccess?: UserAccessConfig;
}

export type RequestDecision =
  | { readonly allowed: false; readonly status: RefusalStatus; readonly reason: string; readonly agentId?: string; readonly token?: string }
  | {
      readonly allowed: true;
      readonly agentId: string;
      readonly accessAs: AccessAs;
      readonly by: string;
      readonly defaultNamespace?: string;
    };

export interface CiRequestAuthOptions {
  /** kubernetes_api.oidc: without it, ID tokens are refused. */
  readonly verify?: Omit<VerifyOptions, "now">;
  /** GitLab mode: job tokens and personal access tokens; without it they are refused. */
  readonly gitlab?: GitLabAuthOptions;
  /** Verified jobs by token hash; kept until the token's exp at the latest. */
  readonly cache: CredentialCache<CiJobResult & { readonly expiresAtMs?: number }>;
  /** The agent with this id and its parsed ci_access, or undefined when kas knows no such agent. */
  readonly agent: (agentId: string) => TargetAgent | undefined | Promise<TargetAgent | undefined>;
  /** Milliseconds; default Date.now. */
  readonly now?: () => number;
}

const REASONS: Record<RefusalStatus, string> = { 401: "Unauthorized", 403: "Forbidden", 502: "BadGateway", 503: "ServiceUnavailable" };

/** The Kubernetes Status reason for a refusal's status. */
export function refusalReason(status: RefusalStatus): string {
  return REASONS[status];
}

/** `token` in a refusal is for logDenial's fingerprint only; never log it. */
export async function authorizeRequest(authorization: string | undefined, options: CiRequestAuthOptions): Promise<RequestDecision> {
  const bearer = parseBearer(authorization);
  if (!bearer.ok) return { allowed: false, status: 401, reason: bearer.reason };
  const { agentId, token, type } = bearer;
  const refuse = (status: RefusalStatus, reason: string): RequestDecision => ({ allowed: false, status, reason, agentId, token });
  const target = await options.agent(agentId);
  // Checked before the token so an unknown agent costs no verification.
  if (target === undefined) return refuse(403, `no agent with id ${agentId}`);
  const { gitlab } = options;
  const kind = type === PAT_TOKEN_TYPE ? "pat" : ciTokenKind(token);
  if (kind !== "id_token") {
    if (gitlab === undefined) {
      const what = kind === "pat" ? "pat: tokens (personal access tokens for user_access)" : "CI job tokens";
      return refuse(401, `${what} need kas in GitLab mode (agents.registry: gitlab); this kas accepts only OIDC ID tokens (ci:<agent id>:<ID token>)`);
    }
    const grant = kind === "pat" ? await authorizeUserToken(token, target.agent, target.userAccess, gitlab) : await authorizeJobToken(token, target.agent, gitlab);
    return grant.allowed ? { allowed: true, agentId, accessAs: grant.accessAs, by: grant.by } : refuse(grant.status, grant.reason);
  }
  if (options.verify === undefined) return refuse(401, "an OIDC ID token, but kas has no kubernetes_api.oidc to verify it with");
  return authorizeIdToken(token, target, { ...options, verify: options.verify }, refuse);
}

/** What verifyCiToken needs: an issuer to verify against, and the cache. */
export type IdTokenOptions = Pick<CiRequestAuthOptions, "cache" | "now"> & { readonly verify: Omit<VerifyOptions, "now"> };

/**
 * The CI job an ID token speaks for: verified (issuer, audience, expiry,
 * signature) and read as a job, or found in the cache by its hash. Shared by
 * the proxy and kas's allowed_agents endpoint.
 */
export async function verifyCiToken(token: string, options: IdTokenOptions): Promise<CiJobResult> {
  const now = options.now ?? Date.now;
  return options.cache.remember(
    token,
    async () => {
      const verified = await verifyIdToken(token, { ...options.verify, now: () => now() / 1000 });
      if (!verified.ok) return verified;
      const exp = verified.claims.exp as number; // verifyIdToken insists on a numeric exp
      return { ...ciJobFromClaims(verified.claims), expiresAtMs: exp * 1000 };
    },
    (r) => ({ keep: r.ok, expiresAtMs: r.expiresAtMs }),
  );
}

async function authorizeIdToken(token: string, target: TargetAgent, options: IdTokenOptions, refuse: (status: RefusalStatus, reason: string) => RequestDecision): Promise<RequestDecision> {
  const job = await verifyCiToken(token, options);
  if (!job.ok) return refuse(401, job.reason);
  const decision = authorizeCiJob(job.job, target.agent, target.ciAccess);
  if (!decision.allowed) return refuse(403, decision.reason);
  const agentId = target.agent.id;
  return { allowed: true, agentId, accessAs: decision.accessAs, by: decision.by, ...(decision.defaultNamespace === undefined ? {} : { defaultNamespace: decision.defaultNamespace }) };
}
