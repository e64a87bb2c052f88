/**
 * Real git repositories for tests, made with the git CLI (no worktree needed:
 * commits are written with `git fast-import`, so bare and non-bare
 * repositories work the same, symlinks included).
 */
import { execFile } from "node:child_process";
import { promises as fsp } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/**
 * File content, a symlink (`{ symlink: "target" }`), a blob already in the
 * repository by id (`{ blob: oid }`: one too big to pass through memory, see
 * ./bombs), or null to delete the file.
 */
export type RepoFile = string | Buffer | { readonly symlink: string } | { readonly blob: string };
export type RepoFiles = Readonly<Record<string, RepoFile | null>>;

export interface MakeRepoOptions {
  /** A bare repository (as a server holds). Default false. */
  readonly bare?: boolean;
  /** The initial (default) branch. Default "main". */
  readonly branch?: string;
  readonly message?: string;
}

export interface CommitOptions {
  /** Default: the branch HEAD names. Created when missing. */
  readonly branch?: string;
  readonly message?: string;
  /** The parent commit. Default: the branch's tip (none for a new branch). */
  readonly parent?: string;
}

/** The caller's environment without its GIT_* variables (a GIT_DIR from a hook would redirect every command), plus ours. */
const ENV: NodeJS.ProcessEnv = {
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("GIT_"))),
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_TERMINAL_PROMPT: "0",
  GIT_AUTHOR_NAME: "Test",
  GIT_AUTHOR_EMAIL: "test@example.com",
  GIT_COMMITTER_NAME: "Test",
  GIT_COMMITTER_EMAIL: "test@example.com",
};

/** Runs `git args` in `cwd`; resolves with stdout (trimmed), rejects with stderr. */
export function git(cwd: string, args: readonly string[], input?: Buffer | string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile("git", args, { cwd, env: ENV, encoding: "buffer", maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`git ${args.join(" ")} (in ${cwd}) failed: ${stderr.toString().trim() || err.message}`));
      else resolve(stdout.toString().trim());
    });
    child.stdin?.end(input);
  });
}

/** A fresh temporary folder. */
export function tempDir(prefix = "kas-git-"): Promise<string> {
  return fsp.mkdtemp(path.join(os.tmpdir(), prefix));
}

export function removeDir(dir: string): Promise<void> {
  return fsp.rm(dir, { recursive: true, force: true });
}

/** Creates a repository at `dir` with one commit holding `files`; resolves with the commit SHA. */
export async function makeRepo(dir: string, files: RepoFiles, options: MakeRepoOptions = {}): Promise<string> {
  const branch = options.branch ?? "main";
  await fsp.mkdir(dir, { recursive: true });
  await git(dir, ["init", "-q", ...(options.bare ? ["--bare"] : []), "-b", branch]);
  return commitFiles(dir, files, { branch, message: options.message ?? "initial commit" });
}

/**
 * Commits `files` (on top of the parent's tree) to a branch; resolves with the
 * new commit SHA. In a non-bare repository whose checked-out branch moves,
 * the worktree follows (`reset --hard`).
 */
export async function commitFiles(dir: string, files: RepoFiles, options: CommitOptions = {}): Promise<string> {
  const branch = options.branch ?? (await git(dir, ["symbolic-ref", "--short", "HEAD"]));
  const parent = options.parent ?? (await revParse(dir, `refs/heads/${branch}`).catch(() => undefined));
  const chunks: Buffer[] = [];
  const add = (text: string): void => void chunks.push(Buffer.from(text));
  const data = (content: Buffer): void => {
    add(`data ${content.length}\n`);
    chunks.push(content, Buffer.from("\n"));
  };
  const message = Buffer.from(options.message ?? `update ${Object.keys(files).join(", ")}`);
  add(`commit refs/heads/${branch}\ncommitter Test <test@example.com> ${Math.floor(Date.now() / 1000)} +0000\n`);
  data(message);
  if (parent !== undefined) add(`from ${parent}\n`);
  for (const [file, content] of Object.entries(files)) {
    if (content === null) {
      add(`D ${file}\n`);
    } else if (typeof content === "object" && "blob" in content) {
      // fast-import reads only the object's header to check it is a blob.
      add(`M 100644 ${content.blob} ${file}\n`);
    } else if (typeof content === "object" && !Buffer.isBuffer(content)) {
      add(`M 120000 inline ${file}\n`);
      data(Buffer.from(content.symlink));
    } else {
      add(`M 100644 inline ${file}\n`);
      data(Buffer.isBuffer(content) ? content : Buffer.from(content));
    }
  }
  await git(dir, ["fast-import", "--quiet", "--force"], Buffer.concat(chunks));
  const commit = await revParse(dir, `refs/heads/${branch}`);
  await syncWorktree(dir, branch);
  return commit;
}

/** Points `branch` at `commit`, backwards or sideways too (what a force-push does). */
export async function setBranch(dir: string, branch: string, commit: string): Promise<void> {
  await git(dir, ["update-ref", `refs/heads/${branch}`, commit]);
  await syncWorktree(dir, branch);
}

export async function createTag(dir: string, tag: string, commit: string, options: { annotated?: boolean } = {}): Promise<void> {
  await git(dir, ["tag", ...(options.annotated ? ["-a", "-m", `tag ${tag}`] : []), tag, commit]);
}

/** Makes `branch` the default (what HEAD names). */
export async function setDefaultBranch(dir: string, branch: string): Promise<void> {
  await git(dir, ["symbolic-ref", "HEAD", `refs/heads/${branch}`]);
}

export function revParse(dir: string, rev: string): Promise<string> {
  return git(dir, ["rev-parse", "--verify", "-q", `${rev}^{commit}`]);
}

async function syncWorktree(dir: string, branch: string): Promise<void> {
  if ((await git(dir, ["rev-parse", "--is-bare-repository"])) === "true") return;
  const current = await git(dir, ["symbolic-ref", "--short", "HEAD"]).catch(() => "");
  if (current === branch) await git(dir, ["reset", "--hard", "-q"]);
}
