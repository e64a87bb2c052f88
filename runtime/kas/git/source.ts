/**
 * kas's Git source: the configured projects, local (read in place) or remote
 * (fetched into a cache), read at a commit through git objects only.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import git from "isomorphic-git";
import type { GitRef } from "../../rpc/agent-config";
import { collect, type CollectedFile } from "./collect";
import { GitSourceError, InvalidRefError, ProjectNotFoundError, RefNotFoundError, SourceUnavailableError } from "./errors";
import { DEFAULT_LIMITS, checkFileSize, fileTooLarge, objectLimitError, type CollectLimits } from "./limits";
import { isReachable, ANCESTRY_MAX_COMMITS } from "./ancestry";
import { findGitdir } from "./local";
import { ObjectReader } from "./objects";
import { cacheDirName, locate, redactUrl, repoPath, type Location } from "./paths";
import { describeRef, fullRefName, normalizeRef, type RefSpec } from "./refs";
import { RemoteRepository, type Credentials } from "./remote";

export interface ProjectSource {
  /** Project path, e.g. `group/agent-config`. */
  readonly id: string;
  /** A local path (bare or with a worktree), a file:// URL, or an http(s):// URL. */
  readonly url: string;
  readonly credentials?: Credentials;
}

export interface GitSourceOptions {
  readonly projects: readonly ProjectSource[];
  /** Where remote repositories are fetched to. Required when any project is remote. */
  readonly cacheDir?: string;
  /** Relative local paths are resolved against this. Default: the current directory. */
  readonly baseDir?: string;
  /** A remote fetch is reused for this long by later resolveRef() calls (refresh() cuts it short). Default 1000. */
  readonly fetchMaxAgeMs?: number;
  /** Socket inactivity limit of one HTTP request to a remote. Default 60000. */
  readonly httpTimeoutMs?: number;
  /** Called with the project of each failed remote fetch (for kas_git_fetch_errors_total). */
  readonly onFetchFailed?: (projectId: string) => void;
}

interface Project {
  readonly id: string;
  readonly location: Location;
  readonly remote?: RemoteRepository;
}

export class GitSource {
  private readonly projects = new Map<string, Project>();
  /**
   * One reader per gitdir, shared by every request: git objects are immutable,
   * so its pack cache and tree memo never go stale, and a commit read for 1000
   * agents is parsed once instead of 1000 times.
   */
  private readonly readers = new Map<string, ObjectReader>();
  /**
   * Where each local project's git directory was last found. resolveRef and
   * localGitdir look again; reads at a commit (which came from resolveRef)
   * use what was found instead of probing the folder on every read.
   */
  private readonly gitdirs = new Map<string, Promise<string>>();

  private reader(gitdir: string, projectId: string): ObjectReader {
    let r = this.readers.get(gitdir);
    if (!r) {
      r = new ObjectReader(gitdir, projectId);
      this.readers.set(gitdir, r);
    }
    return r;
  }

  constructor(options: GitSourceOptions) {
    for (const p of options.projects) {
      if (this.projects.has(p.id)) throw new Error(`project ${JSON.stringify(p.id)} is configured twice`);
      let location: Location;
      try {
        location = locate(p.url, options.baseDir ?? process.cwd());
      } catch (e) {
        throw new Error(`project ${JSON.stringify(p.id)}: ${(e as Error).message}`);
      }
      let remote: RemoteRepository | undefined;
      if (location.kind === "remote") {
        if (options.cacheDir === undefined) throw new Error(`project ${JSON.stringify(p.id)} is remote: a cacheDir is required`);
        remote = new RemoteRepository({
          projectId: p.id,
          url: location.url,
          credentials: p.credentials,
          gitdir: path.join(options.cacheDir, cacheDirName(p.id)),
          maxAgeMs: options.fetchMaxAgeMs ?? 1000,
          timeoutMs: options.httpTimeoutMs ?? 60_000,
          onFetchFailed: options.onFetchFailed,
        });
      }
      this.projects.set(p.id, { id: p.id, location, remote });
    }
  }

  projectIds(): string[] {
    return [...this.projects.keys()];
  }

  has(projectId: string): boolean {
    return this.projects.has(projectId);
  }

  /** The git directory of a local project (to watch its refs), undefined for a remote one. */
  async localGitdir(projectId: string): Promise<string | undefined> {
    const p = this.project(projectId);
    return p.remote ? undefined : this.gitdir(p, true);
  }

  /** A remote project is fetched on its next resolveRef(), however recent the last fetch. */
  refresh(projectId: string): void {
    this.project(projectId).remote?.invalidate();
  }

  /** The commit SHA `ref` names now (empty ref: the default branch). Remote projects are fetched first. */
  async resolveRef(projectId: string, ref: GitRef = {}): Promise<string> {
    const p = this.project(projectId);
    const spec = normalizeRef(projectId, ref);
    if (!p.remote) await this.gitdir(p, true);
    if (spec.kind === "commit") {
      const known = await this.findCommit(p, spec.sha).catch(() => undefined);
      if (known !== undefined) return known;
    }
    await p.remote?.update();
    if (spec.kind === "commit") return this.findCommit(p, spec.sha, true);
    const gitdir = await this.gitdir(p);
    let oid: string;
    try {
      oid = await git.resolveRef({ fs, gitdir, ref: fullRefName(spec) });
    } catch (e) {
      if ((e as { code?: string }).code === "NotFoundError") throw await this.refNotFound(p, gitdir, spec);
      throw this.unavailable(p, e);
    }
    return this.peel(p, gitdir, oid, spec);
  }

  /**
   * The content of `filePath` at `commit` (symlinks followed within the
   * repository), or undefined when there is no file there. Throws a
   * LimitExceededError naming the path when it is over maxBytes.
   */
  async readFile(projectId: string, commit: string, filePath: string, maxBytes: number): Promise<Buffer | undefined> {
    const oid = await this.fileOid(projectId, commit, filePath);
    return oid === undefined ? undefined : this.readBlob(projectId, oid, filePath, maxBytes);
  }

  /**
   * The blob id of `filePath` at `commit`, following symlinks as readFile
   * does, or undefined when there is no file there. Nothing is read but
   * trees (and symlinks): the size limit is readBlob's to check.
   */
  async fileOid(projectId: string, commit: string, filePath: string): Promise<string | undefined> {
    const p = this.project(projectId);
    const rp = this.repoPath(projectId, filePath);
    const reader = this.reader(await this.gitdir(p), projectId);
    const tree = await this.rootTree(p, reader, commit);
    try {
      const entry = await reader.lookup(tree, rp);
      if (entry === undefined) return undefined;
      const target = await reader.follow(tree, rp, entry);
      return target.kind === "file" ? target.oid : undefined;
    } catch (err) {
      throw objectLimitError(projectId, err);
    }
  }

  /**
   * The content of blob `oid` (from fileOid), shared with other readers: do
   * not modify it. Throws a LimitExceededError naming `filePath`, its size
   * and the limit when it is over maxBytes, found from the blob's header: a
   * blob over the limit is never inflated.
   */
  async readBlob(projectId: string, oid: string, filePath: string, maxBytes: number): Promise<Buffer> {
    const p = this.project(projectId);
    const rp = this.repoPath(projectId, filePath);
    const reader = this.reader(await this.gitdir(p), projectId);
    const data = await reader.readBlob(oid, maxBytes).catch((err: unknown) => {
      throw fileTooLarge(projectId, rp, err);
    });
    checkFileSize(projectId, rp, data.length, maxBytes);
    return data;
  }

  /** Whether the repository as kas has it (local, or the last fetch: never fetched for this) holds the full SHA `commit`. */
  async hasCommit(projectId: string, commit: string): Promise<boolean> {
    if (!/^[0-9a-f]{40}$/.test(commit)) return false;
    try {
      await this.reader(await this.gitdir(this.project(projectId)), projectId).rootTree(commit);
      return true;
    } catch {
      return false;
    }
  }

  /** Whether `ancestor` is reachable from `descendant` (or is it), walking at most `maxCommits` commits of the repository as kas has it. */
  async isAncestor(projectId: string, ancestor: string, descendant: string, maxCommits = ANCESTRY_MAX_COMMITS): Promise<boolean> {
    const reader = this.reader(await this.gitdir(this.project(projectId)), projectId);
    return isReachable((c) => reader.parents(c), ancestor, descendant, maxCommits).catch(() => false);
  }

  /** Closes the repositories' open pack files (kas is stopping; a later read opens them again). */
  close(): void {
    for (const reader of this.readers.values()) reader.close();
  }

  /** Every file at `commit` matching any of `globs`, sorted by path, within `limits` (GitLab's by default). */
  async collectFiles(
    projectId: string,
    commit: string,
    globs: readonly string[],
    limits: CollectLimits = DEFAULT_LIMITS,
  ): Promise<CollectedFile[]> {
    const p = this.project(projectId);
    const reader = this.reader(await this.gitdir(p), projectId);
    const tree = await this.rootTree(p, reader, commit);
    return collect(reader, projectId, tree, globs, limits).catch((err: unknown) => {
      throw objectLimitError(projectId, err);
    });
  }

  private project(projectId: string): Project {
    const p = this.projects.get(projectId);
    if (p === undefined) throw new ProjectNotFoundError(projectId, this.projectIds());
    return p;
  }

  private repoPath(projectId: string, filePath: string): string {
    const rp = repoPath(filePath);
    if ("error" in rp) throw new GitSourceError(`project ${JSON.stringify(projectId)}: ${rp.error}`, projectId);
    return rp.path;
  }

  /** The project's git directory; a local one is looked for when `look` is set or it was not found yet. */
  private gitdir(p: Project, look = false): Promise<string> {
    if (p.remote) return Promise.resolve(p.remote.gitdir);
    let found = look ? undefined : this.gitdirs.get(p.id);
    if (found === undefined) {
      const pending = this.findLocalGitdir(p);
      this.gitdirs.set(p.id, pending);
      pending.catch(() => {
        if (this.gitdirs.get(p.id) === pending) this.gitdirs.delete(p.id);
      });
      found = pending;
    }
    return found;
  }

  private async findLocalGitdir(p: Project): Promise<string> {
    const local = (p.location as { path: string }).path;
    const gitdir = await findGitdir(local);
    if (gitdir === undefined) throw new SourceUnavailableError(p.id, local, "not a git repository");
    return gitdir;
  }

  private async rootTree(p: Project, reader: ObjectReader, commit: string): Promise<string> {
    if (!/^[0-9a-f]{40}$/.test(commit)) {
      throw new InvalidRefError(`project ${JSON.stringify(p.id)}: ${JSON.stringify(commit)} is not a full commit SHA`, p.id);
    }
    try {
      return await reader.rootTree(commit);
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === "NotFoundError" || code === "ObjectTypeError") throw new RefNotFoundError(p.id, `commit ${commit}`, []);
      throw this.unavailable(p, objectLimitError(p.id, e));
    }
  }

  /** The full SHA of a commit given by a (possibly short) SHA. */
  private async findCommit(p: Project, sha: string, explain = false): Promise<string> {
    const gitdir = await this.gitdir(p);
    try {
      const oid = await git.expandOid({ fs, gitdir, oid: sha });
      // Read by kas's own reader, under its size limit: a commit object can be a bomb too.
      await this.reader(gitdir, p.id).rootTree(oid);
      return oid;
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (!explain) throw e;
      if (code === "AmbiguousError") throw new InvalidRefError(`project ${JSON.stringify(p.id)}: commit ${sha} is ambiguous`, p.id);
      if (code === "NotFoundError" || code === "ObjectTypeError") throw await this.refNotFound(p, gitdir, { kind: "commit", sha });
      throw this.unavailable(p, objectLimitError(p.id, e));
    }
  }

  /** Annotated tags point at a tag object: follow to the commit (by kas's own reader, which reads only the tags, each under its size limit). */
  private async peel(p: Project, gitdir: string, oid: string, spec: RefSpec): Promise<string> {
    let commit: string | undefined;
    try {
      commit = await this.reader(gitdir, p.id).commitOf(oid);
    } catch (e) {
      throw this.unavailable(p, objectLimitError(p.id, e));
    }
    if (commit !== undefined) return commit;
    throw new InvalidRefError(`project ${JSON.stringify(p.id)}: ${describeRef(spec)} does not point to a commit`, p.id);
  }

  private async refNotFound(p: Project, gitdir: string, spec: RefSpec): Promise<RefNotFoundError> {
    const branches = await git.listBranches({ fs, gitdir }).catch(() => [] as string[]);
    return new RefNotFoundError(p.id, describeRef(spec), branches.sort());
  }

  private unavailable(p: Project, e: unknown): Error {
    if (e instanceof GitSourceError) return e;
    const where = p.location.kind === "local" ? p.location.path : redactUrl(p.location.url);
    return new SourceUnavailableError(p.id, where, (e as Error).message ?? String(e));
  }
}
