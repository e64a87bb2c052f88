/**
 * What the GitLab dynamic providers (registration.ts, project-access.ts) share:
 * the client built from GITLAB_TOKEN at call time, and "already gone". Captured
 * by value into the providers, so: no module-level state, only gitlab-api.ts.
 */
import { GitLabAgentsApi, GitLabApiError } from "./gitlab-api";

/** The environment variable that holds the GitLab access token (scope `api`, Maintainer on the project). */
export const GITLAB_TOKEN_ENV = "GITLAB_TOKEN";
/** Pulumi passes not-yet-known inputs to check/diff as this sentinel (runtime/rpc unknownValue). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Builds the client in the provider's process; the token is read here, at call time, never captured. */
export function clientFromEnv(gitlabUrl: string): GitLabAgentsApi {
  const privateToken = process.env[GITLAB_TOKEN_ENV];
  if (!privateToken) {
    throw new Error(
      `${GITLAB_TOKEN_ENV} is not set: the GitLab agent registration (and kas's deploy token and webhook) need an access token with the \`api\` scope whose user is a Maintainer of the agent's project, in the environment of \`pulumi\`.`,
    );
  }
  return new GitLabAgentsApi({ gitlabUrl, privateToken });
}

/** A 404 for the thing or its project: on delete, that is the goal. */
export function isGone(err: unknown): boolean {
  return err instanceof GitLabApiError && (err.kind === "not-found" || err.kind === "project-not-found");
}

export function normalizeUrl(url: string): string {
  return url.trim().replace(/\/+$/, "");
}
