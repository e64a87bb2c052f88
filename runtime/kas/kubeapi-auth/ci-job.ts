/**
 * The CI job a credential speaks for, whichever way it was checked: from a
 * verified OIDC ID token's claims (GitLab's `id_tokens:` names, which other CI
 * systems can be configured to emit), or later from GitLab's
 * `/api/v4/job/allowed_agents` answer.
 */
import type { Claims } from "./jwt";
import { environmentSlug } from "./slug";

export interface CiEnvironment {
  readonly name: string;
  /** GitLab's CI_ENVIRONMENT_SLUG. */
  readonly slug: string;
  /** production, staging, testing, development or other; absent when the credential does not say. */
  readonly tier?: string;
}

export interface CiJob {
  readonly projectId: string;
  /** e.g. `dude/apps/web`; matched against ci_access ids case-insensitively, as GitLab looks paths up. */
  readonly projectPath: string;
  readonly namespacePath: string;
  /**
   * The project's group ids, its namespace first. GitLab's allowed_agents
   * lists every ancestor; an ID token only names the project's namespace, so
   * from a token this is `[namespace_id]`.
   */
  readonly groupIds: readonly string[];
  readonly jobId: string;
  readonly pipelineId?: string;
  /** Who ran the job (`user_login`). */
  readonly username?: string;
  readonly ref: string;
  readonly refType?: string;
  readonly refProtected: boolean;
  readonly environment?: CiEnvironment;
  readonly pipelineSource?: string;
}

export type CiJobResult = { readonly ok: true; readonly job: CiJob } | { readonly ok: false; readonly reason: string };

/** GitLab puts ids in ID tokens as strings; other issuers may use numbers. */
function idClaim(claims: Claims, name: string): string | undefined {
  const v = claims[name];
  if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) return String(v);
  return typeof v === "string" && /^[0-9]+$/.test(v) ? v : undefined;
}
function textClaim(claims: Claims, name: string): string | undefined {
  const v = claims[name];
  return typeof v === "string" && v !== "" ? v : undefined;
}

/** A job from verified claims, or the claims it lacks. */
export function ciJobFromClaims(claims: Claims): CiJobResult {
  const missing: string[] = [];
  const need = <T>(name: string, value: T | undefined): T => {
    if (value === undefined) missing.push(name);
    return value as T;
  };
  const projectId = need("project_id", idClaim(claims, "project_id"));
  const projectPath = need("project_path", textClaim(claims, "project_path"));
  const namespaceId = need("namespace_id", idClaim(claims, "namespace_id"));
  const namespacePath = need("namespace_path", textClaim(claims, "namespace_path"));
  const jobId = need("job_id", idClaim(claims, "job_id"));
  const ref = need("ref", textClaim(claims, "ref"));
  const protectedClaim = claims.ref_protected;
  const refProtected = protectedClaim === true || protectedClaim === "true";
  if (protectedClaim !== undefined && !refProtected && protectedClaim !== false && protectedClaim !== "false") missing.push("ref_protected (true or false)");
  if (missing.length > 0) return { ok: false, reason: `the token lacks CI claims: ${missing.join(", ")}` };
  if (!projectPath.toLowerCase().startsWith(`${namespacePath.toLowerCase()}/`)) {
    return { ok: false, reason: `project_path ${JSON.stringify(projectPath)} is not inside namespace_path ${JSON.stringify(namespacePath)}` };
  }
  const envName = textClaim(claims, "environment");
  // GitLab's ID tokens call the tier deployment_tier.
  const tier = textClaim(claims, "environment_tier") ?? textClaim(claims, "deployment_tier");
  const optional = (key: keyof CiJob, value: string | undefined): Partial<CiJob> => (value === undefined ? {} : { [key]: value });
  return {
    ok: true,
    job: {
      projectId,
      projectPath,
      namespacePath,
      groupIds: [namespaceId],
      jobId,
      ref,
      refProtected,
      ...optional("pipelineId", idClaim(claims, "pipeline_id")),
      ...optional("username", textClaim(claims, "user_login")),
      ...optional("refType", textClaim(claims, "ref_type")),
      ...optional("pipelineSource", textClaim(claims, "pipeline_source")),
      ...(envName === undefined ? {} : { environment: { name: envName, slug: environmentSlug(envName), ...(tier === undefined ? {} : { tier }) } }),
    },
  };
}
