/**
 * Which CI credential a `ci:<agent id>:<token>` carries: an OIDC ID token or
 * a GitLab CI job token (CI_JOB_TOKEN). GitLab's kubeconfig puts either in the
 * same place, so kas tells them apart by shape:
 *
 * - an ID token is a compact JWS: three non-empty dot-separated parts, the
 *   first base64url of a JSON object naming an `alg`;
 * - anything else is a job token. Job tokens start with `glcbt-` (or
 *   `<instance prefix>-glcbt-`) since GitLab 16.x, and GitLab's newer JWT job
 *   tokens are `glcbt-<JWT>`: two dots, but a first part that is not
 *   base64url JSON. Older job tokens are opaque (`<partition hex>_<random>`,
 *   or 20 random characters) and have no dots.
 *
 * Counting dots alone would take a JWT job token for an ID token.
 */
import { decodeJson } from "./jwt";

export type CiTokenKind = "id_token" | "job_token";

export function ciTokenKind(token: string): CiTokenKind {
  const parts = token.split(".");
  if (parts.length === 3 && parts.every((p) => p !== "") && typeof decodeJson(parts[0]!)?.alg === "string") return "id_token";
  return "job_token";
}
