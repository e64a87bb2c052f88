/**
 * What this build is: the package version (package.json) and the Git commit
 * when known. The commit comes from $GITOPS_AGENT_COMMIT (set at image build
 * time), else, in a Git checkout, `git rev-parse --short HEAD`; a failure of
 * either leaves it unknown, never stops the process.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";

export interface BuildInfo {
  readonly version: string;
  /** Short commit id, or "" when unknown. */
  readonly commit: string;
}

export const COMMIT_ENV = "GITOPS_AGENT_COMMIT";
const PACKAGE_NAME = "gitops-agent";

/** The nearest package.json of this package above `from` (sources and dist alike), or undefined. */
export function findPackageRoot(from: string): string | undefined {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const file = path.join(dir, "package.json");
    if (existsSync(file)) {
      try {
        if ((JSON.parse(readFileSync(file, "utf8")) as { name?: unknown }).name === PACKAGE_NAME) return dir;
      } catch {
        // Not ours (or unreadable): keep looking above.
      }
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** Pure: the version line `--version` prints and agentk reports. */
export function formatVersion(info: BuildInfo): string {
  return info.commit ? `${info.version} (commit ${info.commit})` : info.version;
}

/** The build of the package at `root` (undefined: not found): its package.json version, and the commit as the header says. */
export function readBuildInfo(root: string | undefined, env: NodeJS.ProcessEnv): BuildInfo {
  let version = "unknown";
  if (root) {
    const v = (JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { version?: unknown }).version;
    if (typeof v === "string") version = v;
  }
  return { version, commit: env[COMMIT_ENV]?.trim() || (root ? gitCommit(root) : "") };
}

let cached: BuildInfo | undefined;

/** This process's build, read once. */
export function buildInfo(): BuildInfo {
  return (cached ??= readBuildInfo(findPackageRoot(__dirname), process.env));
}

/**
 * The commit of the checkout this package sits in: the package's own folder or,
 * in this repository's layout (runtime/ is a workspace), its parent. An installed
 * copy (node_modules/gitops-agent) finds no .git there and reports none, even
 * inside someone else's repository.
 */
function gitCommit(root: string): string {
  const checkout = [root, path.dirname(root)].find((dir) => existsSync(path.join(dir, ".git")));
  if (checkout === undefined) return "";
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: checkout, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 2000 }).trim();
  } catch {
    return "";
  }
}
