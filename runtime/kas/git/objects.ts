/**
 * Reading git objects at a commit (isomorphic-git): tree walks, path lookups,
 * blobs, symlinks. Never the working tree. An ObjectReader is shared per
 * repository: objects are content-addressed, so its caches are always valid.
 */
import * as fs from "node:fs";
import git from "isomorphic-git";
import { SymlinkError } from "./errors";
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

/** Trees remembered per reader before the memo starts over (a tree is ~100 bytes an entry). */
const TREE_MEMO_LIMIT = 20_000;

type TreeEntries = Awaited<ReturnType<typeof git.readTree>>["tree"];

export class ObjectReader {
  private readonly cache = {};
  private readonly trees = new Map<string, Promise<TreeEntries>>();

  constructor(
    readonly gitdir: string,
    private readonly projectId: string,
  ) {}

  /** The root tree of `commit` (which must be a commit SHA present in the repository). */
  async rootTree(commit: string): Promise<string> {
    const { commit: c } = await git.readCommit({ fs, gitdir: this.gitdir, oid: commit, cache: this.cache });
    return c.tree;
  }

  /**
   * Every blob and symlink below `tree`, depth first; folders for which
   * `enter(dir)` is false are not read. Submodules are skipped.
   */
  async listFiles(tree: string, enter: (dir: string) => boolean): Promise<TreeFile[]> {
    const files: TreeFile[] = [];
    const stack: { dir: string; oid: string }[] = [{ dir: "", oid: tree }];
    for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
      const entries = await this.readTree(next.oid);
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
      const entries = await this.readTree(current.oid);
      const entry = entries.find((e) => e.path === name);
      if (entry === undefined) return undefined;
      current = { mode: entry.mode, oid: entry.oid };
    }
    return current;
  }

  /** A tree's entries, read once per oid (concurrent readers share the pending read). */
  private readTree(oid: string): Promise<TreeEntries> {
    let p = this.trees.get(oid);
    if (!p) {
      if (this.trees.size >= TREE_MEMO_LIMIT) this.trees.clear();
      p = git.readTree({ fs, gitdir: this.gitdir, oid, cache: this.cache }).then((r) => r.tree);
      p.catch(() => this.trees.delete(oid));
      this.trees.set(oid, p);
    }
    return p;
  }

  async readBlob(oid: string): Promise<Buffer> {
    const { blob } = await git.readBlob({ fs, gitdir: this.gitdir, oid, cache: this.cache });
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
