/** Refs as the agent config names them (pure): validation and wording. */
import type { GitRef } from "../../rpc/agent-config";
import { InvalidRefError } from "./errors";

export type RefSpec =
  | { readonly kind: "default" }
  | { readonly kind: "branch" | "tag"; readonly name: string }
  | { readonly kind: "commit"; readonly sha: string };

/**
 * The one ref a GitRef names (none = the default branch). Throws
 * InvalidRefError for two refs at once or a name git would refuse; the check
 * also keeps a ref name from reaching a file outside `refs/`.
 */
export function normalizeRef(projectId: string, ref: GitRef): RefSpec {
  const set = (["branch", "tag", "commit"] as const).filter((k) => ref[k] !== undefined && ref[k] !== "");
  if (set.length > 1) {
    throw new InvalidRefError(`project ${JSON.stringify(projectId)}: ref sets ${set.join(" and ")}; set only one`, projectId);
  }
  if (ref.commit) {
    if (!/^[0-9a-fA-F]{4,40}$/.test(ref.commit)) {
      throw new InvalidRefError(
        `project ${JSON.stringify(projectId)}: commit ${JSON.stringify(ref.commit)} is not a hexadecimal commit SHA`,
        projectId,
      );
    }
    return { kind: "commit", sha: ref.commit.toLowerCase() };
  }
  const kind = ref.branch ? "branch" : ref.tag ? "tag" : undefined;
  if (kind === undefined) return { kind: "default" };
  const name = (ref.branch || ref.tag) as string;
  const problem = refNameProblem(name);
  if (problem !== undefined) {
    throw new InvalidRefError(`project ${JSON.stringify(projectId)}: ${kind} ${JSON.stringify(name)} ${problem}`, projectId);
  }
  return { kind, name };
}

/** Longest branch or tag name accepted (GitLab's own limit for a ref is 255 bytes of name per component; 1 KiB in all is ample). */
const MAX_REF_NAME_BYTES = 1024;

/** `git check-ref-format` rules, for one branch or tag name. */
export function refNameProblem(name: string): string | undefined {
  if (name === "") return "is empty";
  // Each component is a file name under refs/ (and in packed-refs): longer than a file system allows is no ref at all.
  if (Buffer.byteLength(name) > MAX_REF_NAME_BYTES) return `is ${Buffer.byteLength(name)} bytes long; at most ${MAX_REF_NAME_BYTES} are allowed`;
  if (name.split("/").some((p) => Buffer.byteLength(p) > 255)) return "has a component over 255 bytes";
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(name)) return "contains a space, control or special character (~^:?*[\\)";
  if (name.includes("..")) return 'contains ".."';
  if (name.includes("@{") || name === "@") return 'contains "@{" or is "@"';
  if (name.startsWith("/") || name.endsWith("/") || name.includes("//")) return "has an empty path component";
  if (name.startsWith("-")) return 'starts with "-"';
  if (name.endsWith(".")) return 'ends with "."';
  const parts = name.split("/");
  if (parts.some((p) => p.startsWith("."))) return 'has a component starting with "."';
  if (parts.some((p) => p.endsWith(".lock"))) return 'has a component ending with ".lock"';
  return undefined;
}

/** For messages: `branch "main"`, `tag "v1"`, `commit 0123abcd`, `the default branch`. */
export function describeRef(spec: RefSpec): string {
  switch (spec.kind) {
    case "default":
      return "the default branch";
    case "commit":
      return `commit ${spec.sha}`;
    default:
      return `${spec.kind} ${JSON.stringify(spec.name)}`;
  }
}

/** The full ref name to look up, e.g. `refs/heads/main`; `HEAD` for the default branch. */
export function fullRefName(spec: Exclude<RefSpec, { kind: "commit" }>): string {
  if (spec.kind === "default") return "HEAD";
  return spec.kind === "branch" ? `refs/heads/${spec.name}` : `refs/tags/${spec.name}`;
}
