/**
 * `ci_access` environment patterns. GitLab (Gitlab::Ci::EnvironmentMatcher)
 * matches a pattern equal to the environment, or one with `*` as a regular
 * expression made by replacing `*` with `.*`, unanchored and unescaped: there
 * `review/*` also matches `old-review/x`, and `.` matches any character. Here
 * a pattern matches the whole name and only `*` is special (any characters,
 * `/` included), which is stricter: every environment this admits, GitLab
 * admits too.
 */
export function environmentMatches(pattern: string, environment: string): boolean {
  if (pattern === "") return false;
  if (pattern === environment) return true;
  if (!pattern.includes("*")) return false;
  const source = pattern.split("*").map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".*");
  return new RegExp(`^${source}$`, "s").test(environment);
}
