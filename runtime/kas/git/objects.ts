/**
 * Reading git objects at a commit: tree walks, path lookups, blobs, symlinks.
 * Never the working tree. An ObjectReader is shared per repository: objects
 * are content-addressed, so its caches are always valid. Objects are read by
 * ./odb; an object of an unexpected type (an annotated tag, say) goes to
 * isomorphic-git, which peels it or makes the type error.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import git from "isomorphic-git";
import { SymlinkError } from "./errors";
import { LruBudget, readThrough, type LruScope } from "../../common";
import { ObjectStore, parseTree, Tree, type ObjectStoreOptions } from "./odb";
import { resolveSymlinkTarget } from "./paths";

export const MODE_TREE = "040000";
export const MODE_SYMLINK = "120000";
export const MODE_SUBMODULE = "160000";
const MAX_SYMLINK_HOPS = 8;

/** A file (blob or symlink) found in a tree walk. */
export interface TreeFile {
  readonly path: string;
  readonly mode: string;
  readonly oid: string;
}

/** What a path finally names after following symlinks. */
export type Resolved = { readonly kind: "file"; readonly oid: string } | { readonly kind: "dir" } | { readonly kind: "missing" };

/**
 * Parsed trees and commits (commit id -> root tree id) remembered by every
 * reader of the process together, in (estimated) bytes: kas may read hundreds
 * of repositories, and a per-repository memo would grow with their number.
 */
const MEMO_BYTES = 32 * 1024 * 1024;
/** What a tree entry costs in memory, parsed and indexed by name (estimate). */
const TREE_ENTRY_BYTES = 250;
const MEMO_ENTRY_BYTES = 200;
let memos: LruBudget<Tree | string> | undefined;
const memoBudget = (): LruBudget<Tree | string> =>
  (memos ??= new LruBudget(MEMO_BYTES, (v) => MEMO_ENTRY_BYTES + (typeof v === "string" ? 0 : v.entries.length * TREE_ENTRY_BYTES)));
/** A commit object starts with its tree. */
const COMMIT_TREE = /^tree ([0-9a-f]{40})\n/;

export class ObjectReader {
  private readonly store: ObjectStore;
  /** This repository's trees by id and commits' root trees by commit id, in the process-wide memo. */
  private readonly trees: LruScope<string, Tree>;
  private readonly commits: LruScope<string, string>;
  /** Reads in flight (concurrent callers share them). */
  private readonly pendingTrees = new Map<string, Promise<Tree>>();
  private readonly pendingCommits = new Map<string, Promise<string>>();

  /** `store` options: a cache of its own instead of the process-wide one (benchmarks and tests). */
  constructor(
    readonly gitdir: string,
    private readonly projectId: string,
    store: ObjectStoreOptions = {},
  ) {
    this.store = new ObjectStore(gitdir, store);
    const repo = path.resolve(gitdir);
    this.trees = memoBudget().scope(`trees ${repo}`) as LruScope<string, Tree>;
    this.commits = memoBudget().scope(`commits ${repo}`) as LruScope<string, string>;
  }

  /** Closes the open pack files (a later read opens them again). */
  close(): void {
    this.store.close();
  }

  /** The root tree of `commit` (which must be a commit SHA present in the repository), read once per commit. */
  rootTree(commit: string): Promise<string> {
    return readThrough(this.commits, this.pendingCommits, commit, async () => {
      const { type, data } = await this.store.read(commit);
      const tree = type === "commit" ? COMMIT_TREE.exec(data.toString("latin1", 0, 46))?.[1] : undefined;
      if (tree !== undefined) return tree;
      return (await git.readCommit({ fs, gitdir: this.gitdir, oid: commit, cache: this.store.fallbackCache })).commit.tree;
    });
  }

  /**
   * Every blob and symlink below `tree`, depth first; folders for which
   * `enter(dir)` is false are not read. Submodules are skipped.
   */
  async listFiles(tree: string, enter: (dir: string) => boolean): Promise<TreeFile[]> {
    const files: TreeFile[] = [];
    const stack: { dir: string; oid: string }[] = [{ dir: "", oid: tree }];
    for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
      const { entries } = await this.readTree(next.oid);
      for (const entry of entries) {
        const p = next.dir === "" ? entry.path : `${next.dir}/${entry.path}`;
        if (entry.mode === MODE_TREE) {
          if (enter(p)) stack.push({ dir: p, oid: entry.oid });
        } else if (entry.mode !== MODE_SUBMODULE) {
          files.push({ path: p, mode: entry.mode, oid: entry.oid });
        }
      }
    }
    return files;
  }

  /** The entry at `path` below `tree` (no symlinks followed), or undefined. "" is the tree itself. */
  async lookup(tree: string, path: string): Promise<{ readonly mode: string; readonly oid: string } | undefined> {
    let current = { mode: MODE_TREE, oid: tree };
    for (const name of path === "" ? [] : path.split("/")) {
      if (current.mode !== MODE_TREE) return undefined;
      const entry = (await this.readTree(current.oid)).entry(name);
      if (entry === undefined) return undefined;
      current = { mode: entry.mode, oid: entry.oid };
    }
    return current;
  }

  /** A tree's entries, read once per oid (concurrent readers share the pending read). */
  private readTree(oid: string): Promise<Tree> {
    return readThrough(this.trees, this.pendingTrees, oid, async () => {
      const { type, data } = await this.store.read(oid);
      if (type === "tree") return new Tree(parseTree(data));
      return new Tree((await git.readTree({ fs, gitdir: this.gitdir, oid, cache: this.store.fallbackCache })).tree);
    });
  }

  /** A blob's content, shared with every other reader of it: do not modify it. */
  async readBlob(oid: string): Promise<Buffer> {
    const { type, data } = await this.store.read(oid);
    if (type === "blob") return data;
    const { blob } = await git.readBlob({ fs, gitdir: this.gitdir, oid, cache: this.store.fallbackCache });
    return Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  }

  /**
   * Follows `entry` (found at `path`) through symlinks to what it names. A
   * symlink that leaves the repository, dangles or loops is a SymlinkError
   * naming the link and its target.
   */
  async follow(tree: string, path: string, entry: { readonly mode: string; readonly oid: string }): Promise<Resolved> {
    let at = path;
    let current = entry;
    for (let hops = 0; current.mode === MODE_SYMLINK; hops++) {
      if (hops >= MAX_SYMLINK_HOPS) {
        throw new SymlinkError(`project ${JSON.stringify(this.projectId)}: symlink ${JSON.stringify(path)}: too many levels of symlinks`, this.projectId);
      }
      const target = (await this.readBlob(current.oid)).toString("utf8");
      const resolved = resolveSymlinkTarget(at, target);
      if ("error" in resolved) throw new SymlinkError(`project ${JSON.stringify(this.projectId)}: ${resolved.error}`, this.projectId);
      const next = await this.lookup(tree, resolved.path);
      if (next === undefined) {
        throw new SymlinkError(
          `project ${JSON.stringify(this.projectId)}: symlink ${JSON.stringify(at)} points to ${JSON.stringify(target)}, which does not exist`,
          this.projectId,
        );
      }
      at = resolved.path;
      current = next;
    }
    if (current.mode === MODE_TREE) return { kind: "dir" };
    if (current.mode === MODE_SUBMODULE) return { kind: "missing" };
    return { kind: "file", oid: current.oid };
  }
}
