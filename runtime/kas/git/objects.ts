/**
 * Reading git objects at a commit: tree walks, path lookups, blobs, symlinks.
 * Never the working tree. An ObjectReader is shared per repository: objects
 * are content-addressed, so its caches are always valid. Objects are read by
 * ./odb, under a size limit; annotated tags are peeled here, as isomorphic-git
 * and git peel them (isomorphic-git would inflate whatever they point to).
 */
import * as path from "node:path";
import git from "isomorphic-git";
import { SymlinkError } from "./errors";
import { LruBudget, readThrough, type LruScope } from "../../common";
import { CorruptObjectError, ObjectStore, parseTree, Tree, type GitObject, type ObjectStoreOptions } from "./odb";
import { resolveSymlinkTarget } from "./paths";

export const MODE_TREE = "040000";
export const MODE_SYMLINK = "120000";
export const MODE_SUBMODULE = "160000";
const MAX_SYMLINK_HOPS = 8;
/** A symlink's target is a path: longer than Linux's PATH_MAX it is not one, and is not read. */
const MAX_SYMLINK_BYTES = 4096;
/** Tags of tags followed before giving up (git's peel has no limit; a loop of tags cannot exist, a long chain can). */
const MAX_TAG_HOPS = 10;

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
/** A tag object starts with what it tags and that object's type. */
const TAG_TARGET = /^object ([0-9a-f]{40})\ntype (commit|tree|blob|tag)\n/;

type Peelable = "commit" | "tree" | "blob";

export class ObjectReader {
  private readonly store: ObjectStore;
  /** This repository's trees by id and commits' root trees by commit id, in the process-wide memo. */
  private readonly trees: LruScope<string, Tree>;
  private readonly commits: LruScope<string, string>;
  /** Commits' parents, space-separated (ancestry walks for commit_status ask again on every poll). */
  private readonly parentLists: LruScope<string, string>;
  /** Reads in flight (concurrent callers share them). */
  private readonly pendingTrees = new Map<string, Promise<Tree>>();
  private readonly pendingCommits = new Map<string, Promise<string>>();
  private readonly pendingParents = new Map<string, Promise<string>>();

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
    this.parentLists = memoBudget().scope(`parents ${repo}`) as LruScope<string, string>;
  }

  /** Closes the open pack files (a later read opens them again). */
  close(): void {
    this.store.close();
  }

  /** The root tree of `commit` (a commit, or a tag of one, present in the repository), read once per commit. */
  rootTree(commit: string): Promise<string> {
    return readThrough(this.commits, this.pendingCommits, commit, async () => treeOf(commit, await this.peel(commit, "commit")));
  }

  /** The parents of `commit` (a commit present in the repository), read under the object size limit, once per commit. */
  async parents(commit: string): Promise<string[]> {
    const list = await readThrough(this.parentLists, this.pendingParents, commit, async () => {
      const { data } = await this.peel(commit, "commit");
      const head = data.toString("latin1", 0, Math.max(0, data.indexOf("\n\n")));
      return [...head.matchAll(/^parent ([0-9a-f]{40})$/gm)].map((m) => m[1] as string).join(" ");
    });
    return list === "" ? [] : list.split(" ");
  }

  /**
   * The commit `oid` names, following annotated tags by what each says it
   * tags (nothing else is read), or undefined when it names something else.
   */
  async commitOf(oid: string): Promise<string | undefined> {
    let current = oid;
    for (let hops = 0; hops <= MAX_TAG_HOPS; hops++) {
      const { type, data } = await this.store.read(current);
      if (type === "commit") return current;
      const target = type === "tag" ? TAG_TARGET.exec(data.toString("latin1", 0, 64)) : null;
      if (target === null) return undefined;
      if (target[2] === "commit") return target[1];
      if (target[2] !== "tag") return undefined;
      current = target[1] as string;
    }
    return undefined;
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
    return readThrough(this.trees, this.pendingTrees, oid, async () => new Tree(parseTree((await this.peel(oid, "tree")).data)));
  }

  /**
   * A blob's content, shared with every other reader of it: do not modify it.
   * Over `maxBytes` it is an ObjectTooLargeError, and is not inflated.
   */
  async readBlob(oid: string, maxBytes?: number): Promise<Buffer> {
    return (await this.peel(oid, "blob", maxBytes)).data;
  }

  /**
   * The object of type `want` that `oid` names: annotated tags are followed,
   * and a commit names its tree. Anything else is isomorphic-git's
   * ObjectTypeError, as its readBlob/readTree/readCommit make it. Each object
   * on the way is read under `maxBytes`.
   */
  private async peel(oid: string, want: Peelable, maxBytes?: number): Promise<GitObject> {
    let current = oid;
    for (let hops = 0; hops <= MAX_TAG_HOPS; hops++) {
      const object = await this.store.read(current, maxBytes);
      if (object.type === want) return object;
      let next: string | undefined;
      if (object.type === "tag") next = TAG_TARGET.exec(object.data.toString("latin1", 0, 64))?.[1];
      else if (object.type === "commit" && want === "tree") next = treeOf(current, object);
      if (next === undefined) throw new git.Errors.ObjectTypeError(oid, object.type, want);
      current = next;
    }
    throw new git.Errors.ObjectTypeError(oid, "tag", want);
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
      const target = (await this.readBlob(current.oid, MAX_SYMLINK_BYTES)).toString("utf8");
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

/** The tree of commit object `object` (id `oid`). */
function treeOf(oid: string, object: GitObject): string {
  const tree = COMMIT_TREE.exec(object.data.toString("latin1", 0, 46))?.[1];
  if (tree === undefined) throw new CorruptObjectError(`commit ${oid}`, "does not start with its tree");
  return tree;
}
