/**
 * The whole check the Kubernetes API proxy makes for a CI request without
 * GitLab: the Authorization header names the agent and carries an OIDC ID
 * token; the token is verified (or found in the cache by its hash), read as
 * a CI job, and matched against that agent's `ci_access`. The answer carries
 * the HTTP status to refuse with: 401 when the credential is not good, 403
 * when it is good but not for this agent (as GitLab's kas answers).
 */
import type { CiAccessConfig } from "../agentcfg";
import { authorizeCiJob } from "./authorize";
import { parseBearer } from "./bearer";
import { ciJobFromClaims, type CiJobResult } from "./ci-job";
import type { CredentialCache } from "./credential-cache";
import type { AccessAs, AgentRef } from "./identity";
import { verifyIdToken, type VerifyOptions } from "./jwt";

export interface TargetAgent {
  readonly agent: AgentRef;
  readonly ciAccess: CiAccessConfig;
}

export type RequestDecision =
  | { readonly allowed: false; readonly status: 401 | 403; readonly reason: string; readonly agentId?: string; readonly token?: string }
  | {
      readonly allowed: true;
      readonly agentId: string;
      readonly accessAs: AccessAs;
      readonly by: string;
      readonly defaultNamespace?: string;
    };

export interface CiRequestAuthOptions {
  readonly verify: Omit<VerifyOptions, "now">;
  /** Verified jobs by token hash; kept until the token's exp at the latest. */
  readonly cache: CredentialCache<CiJobResult & { readonly expiresAtMs?: number }>;
  /** The agent with this id and its parsed ci_access, or undefined when kas knows no such agent. */
  readonly agent: (agentId: string) => TargetAgent | undefined;
  /** Milliseconds; default Date.now. */
  readonly now?: () => number;
}

/**
 * The CI job an ID token speaks for: verified (issuer, audience, expiry,
 * signature) and read as a job, or found in the cache by its hash. Shared by
 * the proxy and kas's allowed_agents endpoint.
 */
export async function verifyCiToken(token: string, options: Pick<CiRequestAuthOptions, "verify" | "cache" | "now">): Promise<CiJobResult> {
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

/** `token` in a refusal is for logDenial's fingerprint only; never log it. */
export async function authorizeCiRequest(authorization: string | undefined, options: CiRequestAuthOptions): Promise<RequestDecision> {
  const bearer = parseBearer(authorization);
  if (!bearer.ok) return { allowed: false, status: 401, reason: bearer.reason };
  const { agentId, token } = bearer;
  const refuse = (status: 401 | 403, reason: string): RequestDecision => ({ allowed: false, status, reason, agentId, token });
  const target = options.agent(agentId);
  // Checked before the token so an unknown agent costs no verification.
  if (target === undefined) return refuse(403, `no agent with id ${agentId}`);
  const job = await verifyCiToken(token, options);
  if (!job.ok) return refuse(401, job.reason);
  const decision = authorizeCiJob(job.job, target.agent, target.ciAccess);
  if (!decision.allowed) return refuse(403, decision.reason);
  return { allowed: true, agentId, accessAs: decision.accessAs, by: decision.by, ...(decision.defaultNamespace === undefined ? {} : { defaultNamespace: decision.defaultNamespace }) };
}
