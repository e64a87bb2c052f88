/**
 * GitLab's environment slug (CI_ENVIRONMENT_SLUG), which `ci_job`
 * impersonation puts in `gitlab:project_env:<project id>:<slug>`. An ID token
 * carries the environment's name, so kas derives the slug the way GitLab does
 * (lib/gitlab/slug/environment.rb): lowercase letters and digits, a leading
 * letter, no repeated dashes, at most 24 characters, and a suffix from the
 * name's SHA-256 whenever the slug is not the name itself.
 */
import { createHash } from "node:crypto";

const MAX = 24;
const KEPT_BEFORE_SUFFIX = 17;

export function environmentSlug(name: string): string {
  return slugWithDigest(name, createHash("sha256").update(name).digest("hex"));
}

/** The slug with the name's SHA-256 (hex) given: GitLab's tests fix it to pin the suffix. */
export function slugWithDigest(name: string, sha256Hex: string): string {
  let slug = name.toLowerCase().replace(/[^a-z0-9]/gu, "-");
  if (!/^[a-z]/.test(slug)) slug = `env-${slug}`;
  slug = slug.replace(/-{2,}/g, "-");
  if (slug.length <= MAX && slug === name) return slug.replace(/-$/, "");
  slug = slug.slice(0, KEPT_BEFORE_SUFFIX);
  if (!slug.endsWith("-")) slug += "-";
  // Ruby's Integer#to_s(36): lowercase digits, so BigInt's base-36 matches.
  return slug + BigInt(`0x${sha256Hex}`).toString(36).slice(-6);
}
