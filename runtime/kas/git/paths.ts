/** Path and URL arithmetic for the Git source layer (pure). */
import { createHash } from "node:crypto";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

/** Where a project's repository is: read in place, or fetched over smart HTTP. */
export type Location = { readonly kind: "local"; readonly path: string } | { readonly kind: "remote"; readonly url: string };

/** Classifies a project URL: a path or file:// URL is local, http(s):// is remote. Throws for anything else. */
export function locate(url: string, baseDir: string): Location {
  if (/^https?:\/\//i.test(url)) return { kind: "remote", url };
  if (/^file:\/\//i.test(url)) return { kind: "local", path: fileURLToPath(url) };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) || /^[^/]+@[^/]+:/.test(url)) {
    throw new Error(`unsupported repository URL ${redactUrl(url)}: use a local path, file://, http:// or https://`);
  }
  return { kind: "local", path: path.resolve(baseDir, url) };
}

/** The URL without user/password, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, "$1");
}

/** A folder name for a project's fetch cache: readable, and distinct for distinct ids. */
export function cacheDirName(projectId: string): string {
  const readable = projectId.replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^\.+/, "_").slice(0, 80);
  const hash = createHash("sha256").update(projectId).digest("hex").slice(0, 10);
  return `${readable}-${hash}`;
}

/** The repository-relative form of a file path, or why it is not one. */
export function repoPath(p: string): { readonly path: string } | { readonly error: string } {
  const trimmed = p.replace(/^\/+/, "");
  const parts = trimmed.split("/");
  if (trimmed === "" || parts.some((s) => s === "" || s === "." || s === "..")) {
    return { error: `path ${JSON.stringify(p)} is not a plain repository path` };
  }
  if (p.includes("\0")) return { error: `path ${JSON.stringify(p)} contains a NUL character` };
  return { path: trimmed };
}

/**
 * Where a symlink at `linkPath` with content `target` points, relative to the
 * repository root; an error when it leaves the repository (absolute, or `..`
 * past the root). "" is the root folder itself.
 */
export function resolveSymlinkTarget(linkPath: string, target: string): { readonly path: string } | { readonly error: string } {
  const escapes = { error: `symlink ${JSON.stringify(linkPath)} points outside the repository (${JSON.stringify(target)})` };
  if (target.startsWith("/") || target.includes("\0") || target === "") return escapes;
  const joined = path.posix.normalize(path.posix.join(path.posix.dirname(linkPath), target));
  if (joined === ".." || joined.startsWith("../") || joined.startsWith("/")) return escapes;
  return { path: joined === "." ? "" : joined.replace(/\/+$/, "") };
}
