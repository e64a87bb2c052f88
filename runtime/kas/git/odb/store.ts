/**
 * A repository's object database, read directly: packs through their
 * indexes, loose objects with node:zlib, every object checked against its id.
 * Objects are immutable, so resolved ones are kept in a byte-bounded cache
 * (one per process unless asked otherwise, keyed by repository and id) and
 * concurrent reads of one object share the work.
 *
 * Every read has a size limit, checked against the size the object declares
 * before its data is inflated (a few megabytes of zeros on disk inflate to
 * gigabytes). That is also why nothing falls through to isomorphic-git, which
 * inflates whole objects (and reads whole packs) first: it reads the same
 * loose objects and version 2 packs, so an object not found here after the
 * pack folder is listed again does not exist, and gets its NotFoundError.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import git from "isomorphic-git";
import { LruBudget, type LruScope } from "../../../common";
import { deflateBound, HEAD_INPUT_BYTES, inflateCapped, inflateHead } from "./inflate";
import { CorruptObjectError, LOOSE_HEADER_MAX, ObjectTooLargeError, parseLoose, parseLooseHeader, verifyId, type GitObject } from "./object";
import { PackFile } from "./pack-file";

/** Resolved objects kept by every store of the process together, in bytes: kas may read hundreds of repositories. */
const SHARED_CACHE_BYTES = 64 * 1024 * 1024;
/** What an object costs the cache beyond its data (its entry, key and Buffer). */
const ENTRY_OVERHEAD_BYTES = 200;

/**
 * The default limit of a read: kas never serves more than a project's total
 * (LIMITS.totalBytes), so a larger tree, commit, tag or delta base is refused.
 */
export const DEFAULT_MAX_OBJECT_BYTES = 20 * 1024 * 1024;
/**
 * A loose object is first inflated up to this much (or its limit, if lower)
 * in one synchronous step, which reads most objects whole; a larger one has
 * its header read alone, and is refused from it or inflated up to its size.
 */
const FIRST_LOOK_BYTES = 64 * 1024;
/** git's empty tree, which every repository has without storing it. */
const EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

const newBudget = (bytes: number): LruBudget<GitObject> => new LruBudget(bytes, (o) => o.data.length + ENTRY_OVERHEAD_BYTES);
let shared: LruBudget<GitObject> | undefined;

export interface ObjectStoreOptions {
  /**
   * A cache of this many bytes for this store alone; an object over a quarter
   * of it is not kept. Default: one cache of 64 MiB shared by every store of
   * the process, so memory does not grow with the number of repositories.
   */
  readonly cacheBytes?: number;
  /** The limit of a read that sets none (trees, commits, tags, delta bases). Default DEFAULT_MAX_OBJECT_BYTES. */
  readonly maxObjectBytes?: number;
}

export class ObjectStore {
  /** This repository's objects by id, in the process-wide budget (shared with every store of this gitdir) or a budget of its own. */
  private readonly cache: LruScope<string, GitObject>;
  /** Reads in flight, by limit and id: a read under a smaller limit may fail where one under a larger limit succeeds. */
  private readonly reading = new Map<string, Promise<GitObject>>();
  private readonly maxObjectBytes: number;
  private packs = new Map<string, PackFile>();
  private scan: Promise<void> | undefined;
  private scanned = false;

  constructor(
    readonly gitdir: string,
    options: ObjectStoreOptions = {},
  ) {
    this.cache =
      options.cacheBytes === undefined ? (shared ??= newBudget(SHARED_CACHE_BYTES)).scope<string>(path.resolve(gitdir)) : newBudget(options.cacheBytes).scope<string>();
    this.maxObjectBytes = options.maxObjectBytes ?? DEFAULT_MAX_OBJECT_BYTES;
  }

  /**
   * The object `oid`. Throws isomorphic-git's NotFoundError when the
   * repository does not hold it, and ObjectTooLargeError when it is over
   * `maxBytes` (default: the store's maxObjectBytes).
   */
  read(oid: string, maxBytes = this.maxObjectBytes): Promise<GitObject> {
    const hit = this.cache.get(oid);
    if (hit !== undefined) {
      return hit.data.length > maxBytes ? Promise.reject(new ObjectTooLargeError(oid, hit.data.length, maxBytes)) : Promise.resolve(hit);
    }
    const key = `${maxBytes} ${oid}`;
    let reading = this.reading.get(key);
    if (reading === undefined) {
      reading = this.load(oid, maxBytes);
      this.reading.set(key, reading);
      reading.then(
        (object) => {
          this.reading.delete(key);
          this.cache.set(oid, object);
        },
        () => this.reading.delete(key),
      );
    }
    return reading;
  }

  /** Closes every pack; a later read lists them again. */
  close(): void {
    for (const pack of this.packs.values()) pack.close();
    this.packs = new Map();
    this.scanned = false;
  }

  private async load(oid: string, maxBytes: number): Promise<GitObject> {
    if (oid === EMPTY_TREE) return { type: "tree", data: Buffer.alloc(0) };
    if (!this.scanned) await this.rescan();
    const object = await this.find(oid, maxBytes);
    if (object !== undefined) return object;
    // Not where we looked: in a pack written since the last listing (or moved there from a loose file).
    await this.rescan();
    const found = await this.find(oid, maxBytes);
    if (found === undefined) throw new git.Errors.NotFoundError(oid);
    return found;
  }

  private find(oid: string, maxBytes: number): Promise<GitObject | undefined> {
    for (const pack of this.packs.values()) {
      const span = pack.find(oid);
      if (span !== undefined) return this.verified(oid, pack.read(oid, span, (base) => this.read(base), maxBytes), pack.name);
    }
    return this.fromLoose(oid, maxBytes);
  }

  /** A loose object, read synchronously like a pack's entries (see PackFile). */
  private async fromLoose(oid: string, maxBytes: number): Promise<GitObject | undefined> {
    if (!/^[0-9a-f]{40}$/.test(oid)) return undefined;
    const file = path.join(this.gitdir, "objects", oid.slice(0, 2), oid.slice(2));
    const deflated = readLoose(file, deflateBound(maxBytes + LOOSE_HEADER_MAX));
    if (deflated === undefined) return undefined;
    let wrapped = deflated.whole ? await inflateCapped(deflated.bytes, Math.min(maxBytes + LOOSE_HEADER_MAX, FIRST_LOOK_BYTES)) : undefined;
    if (wrapped === undefined) {
      const header = parseLooseHeader(await inflateHead(deflated.bytes.subarray(0, HEAD_INPUT_BYTES), LOOSE_HEADER_MAX), file);
      if (header.size > maxBytes) throw new ObjectTooLargeError(oid, header.size, maxBytes);
      if (!deflated.whole) throw new CorruptObjectError(file, `${deflated.size} bytes on disk for an object of ${header.size} bytes`);
      wrapped = await inflateCapped(deflated.bytes, header.dataStart + header.size);
      if (wrapped === undefined) throw new CorruptObjectError(file, `inflates to more than the ${header.size} bytes its header says`);
    }
    const object = parseLoose(wrapped, file);
    if (object.data.length > maxBytes) throw new ObjectTooLargeError(oid, object.data.length, maxBytes);
    return this.verified(oid, object, file);
  }

  private async verified(oid: string, object: GitObject | Promise<GitObject>, where: string): Promise<GitObject> {
    const o = await object;
    verifyId(oid, o, where);
    return o;
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

/**
 * A loose object's file: whole when it is at most `maxOnDisk` bytes, else
 * only its first bytes (enough for its header: an object that large on disk
 * is over its limit inflated too). Undefined when there is no such file.
 */
function readLoose(file: string, maxOnDisk: number): { bytes: Buffer; whole: boolean; size: number } | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, "r");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  try {
    const size = fs.fstatSync(fd).size;
    const whole = size <= maxOnDisk;
    const bytes = Buffer.allocUnsafe(whole ? size : HEAD_INPUT_BYTES);
    const read = fs.readSync(fd, bytes, 0, bytes.length, 0);
    return { bytes: bytes.subarray(0, read), whole, size };
  } finally {
    fs.closeSync(fd);
  }
}
