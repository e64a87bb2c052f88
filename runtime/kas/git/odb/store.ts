/**
 * A repository's object database, read directly: packs through their
 * indexes, loose objects with node:zlib, every object checked against its id.
 * Objects are immutable, so resolved ones are kept in a byte-bounded cache
 * (one per process unless asked otherwise, keyed by repository and id) and
 * concurrent reads of one object share the work. Whatever this reader cannot
 * find is asked of isomorphic-git (which also makes the not-found error).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import git from "isomorphic-git";
import { LruBudget, readThrough, type LruScope } from "../../../common";
import { inflate } from "./inflate";
import { isObjectType, parseLoose, verifyId, type GitObject } from "./object";
import { PackFile } from "./pack-file";

/** Resolved objects kept by every store of the process together, in bytes: kas may read hundreds of repositories. */
const SHARED_CACHE_BYTES = 64 * 1024 * 1024;
/** What an object costs the cache beyond its data (its entry, key and Buffer). */
const ENTRY_OVERHEAD_BYTES = 200;

const newBudget = (bytes: number): LruBudget<GitObject> => new LruBudget(bytes, (o) => o.data.length + ENTRY_OVERHEAD_BYTES);
let shared: LruBudget<GitObject> | undefined;

export interface ObjectStoreOptions {
  /**
   * A cache of this many bytes for this store alone; an object over a quarter
   * of it is not kept. Default: one cache of 64 MiB shared by every store of
   * the process, so memory does not grow with the number of repositories.
   */
  readonly cacheBytes?: number;
}

export class ObjectStore {
  /** This repository's objects by id, in the process-wide budget (shared with every store of this gitdir) or a budget of its own. */
  private readonly cache: LruScope<string, GitObject>;
  private readonly reading = new Map<string, Promise<GitObject>>();
  /** isomorphic-git's cache, for what falls through to it (here, and in ObjectReader's peeling of unexpected types). */
  readonly fallbackCache = {};
  private packs = new Map<string, PackFile>();
  private scan: Promise<void> | undefined;
  private scanned = false;

  constructor(
    readonly gitdir: string,
    options: ObjectStoreOptions = {},
  ) {
    this.cache =
      options.cacheBytes === undefined ? (shared ??= newBudget(SHARED_CACHE_BYTES)).scope<string>(path.resolve(gitdir)) : newBudget(options.cacheBytes).scope<string>();
  }

  /** The object `oid`. Throws isomorphic-git's NotFoundError when the repository does not hold it. */
  read(oid: string): Promise<GitObject> {
    return readThrough(this.cache, this.reading, oid, () => this.load(oid));
  }

  /** Closes every pack; a later read lists them again. */
  close(): void {
    for (const pack of this.packs.values()) pack.close();
    this.packs = new Map();
    this.scanned = false;
  }

  private async load(oid: string): Promise<GitObject> {
    if (!this.scanned) await this.rescan();
    const object = await this.find(oid);
    if (object !== undefined) return object;
    // Not where we looked: in a pack written since the last listing, or somewhere only isomorphic-git knows.
    await this.rescan();
    return (await this.find(oid)) ?? this.fromIsomorphicGit(oid);
  }

  private find(oid: string): Promise<GitObject | undefined> {
    for (const pack of this.packs.values()) {
      const span = pack.find(oid);
      if (span !== undefined) return this.verified(oid, pack.read(oid, span, (base) => this.read(base)), pack.name);
    }
    return this.fromLoose(oid);
  }

  /** A loose object, read synchronously like a pack's entries (see PackFile). */
  private async fromLoose(oid: string): Promise<GitObject | undefined> {
    if (!/^[0-9a-f]{40}$/.test(oid)) return undefined;
    const file = path.join(this.gitdir, "objects", oid.slice(0, 2), oid.slice(2));
    let deflated: Buffer;
    try {
      deflated = fs.readFileSync(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
    const wrapped = await inflate(deflated);
    return this.verified(oid, parseLoose(wrapped, file), file);
  }

  private async verified(oid: string, object: GitObject | Promise<GitObject>, where: string): Promise<GitObject> {
    const o = await object;
    verifyId(oid, o, where);
    return o;
  }

  private async fromIsomorphicGit(oid: string): Promise<GitObject> {
    const { type, object } = await git.readObject({ fs, gitdir: this.gitdir, oid, format: "content", cache: this.fallbackCache });
    if (!isObjectType(type) || !(object instanceof Uint8Array)) throw new Error(`object ${oid}: unexpected ${type} from isomorphic-git`);
    return { type, data: Buffer.from(object.buffer, object.byteOffset, object.byteLength) };
  }

  /** Lists the pack folder again (concurrent callers share one listing): new packs are opened, gone ones closed. */
  private rescan(): Promise<void> {
    this.scan ??= this.listPacks().finally(() => {
      this.scan = undefined;
      this.scanned = true;
    });
    return this.scan;
  }

  private async listPacks(): Promise<void> {
    const dir = path.join(this.gitdir, "objects", "pack");
    const names = await fs.promises.readdir(dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return [] as string[];
      throw err;
    });
    const bases = names.filter((n) => n.endsWith(".idx")).map((n) => path.join(dir, n.slice(0, -".idx".length)));
    const next = new Map<string, PackFile>();
    for (const base of bases) {
      const pack = this.packs.get(base) ?? (await PackFile.open(base));
      if (pack !== undefined) next.set(base, pack);
    }
    for (const [base, pack] of this.packs) if (!next.has(base)) pack.close();
    this.packs = next;
  }
}
