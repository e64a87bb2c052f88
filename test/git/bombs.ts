/**
 * Git "zip bombs" for tests: blobs of zeros that are gigabytes inflated and a
 * few kilobytes on disk, written straight into a repository's object folder
 * with node:zlib streaming, so neither this process nor git ever holds the
 * inflated content (git fast-import and `hash-object --stdin` would).
 * Commit them with commitFiles(dir, { path: { blob: oid } }).
 */
import { createHash, type Hash } from "node:crypto";
import { promises as fsp } from "node:fs";
import * as path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createDeflate } from "node:zlib";
import { git } from "./repo";

const ZEROS = Buffer.alloc(1024 * 1024);

/** `size` zero bytes, 1 MiB at a time. */
function* zeros(size: number): Generator<Buffer> {
  for (let left = size; left > 0; left -= ZEROS.length) yield left >= ZEROS.length ? ZEROS : ZEROS.subarray(0, left);
}

/** The zlib stream of `prefix` then `size` zeros, also fed to `hash` (uncompressed) when given. */
async function deflated(prefix: Buffer, size: number, hash?: Hash): Promise<Buffer> {
  const out: Buffer[] = [];
  async function* source(): AsyncGenerator<Buffer> {
    hash?.update(prefix);
    yield prefix;
    for (const chunk of zeros(size)) {
      hash?.update(chunk);
      yield chunk;
    }
  }
  await pipeline(Readable.from(source()), createDeflate({ level: 9 }), async (chunks: AsyncIterable<Buffer>) => {
    for await (const c of chunks) out.push(c);
  });
  return Buffer.concat(out);
}

/** The id git gives a blob of `size` zeros (hashed in 1 MiB steps). */
export function zerosBlobId(size: number): string {
  const hash = createHash("sha1").update(`blob ${size}\0`);
  for (const chunk of zeros(size)) hash.update(chunk);
  return hash.digest("hex");
}

/** Writes a loose blob of `size` zeros into `gitdir`; resolves with its id. */
export async function writeLooseZeros(gitdir: string, size: number): Promise<string> {
  const hash = createHash("sha1");
  const data = await deflated(Buffer.from(`blob ${size}\0`), size, hash);
  const oid = hash.digest("hex");
  const dir = path.join(gitdir, "objects", oid.slice(0, 2));
  await fsp.mkdir(dir, { recursive: true });
  await fsp.writeFile(path.join(dir, oid.slice(2)), data);
  return oid;
}

/** A pack entry header: type and inflated size (git's variable-length encoding). */
function entryHeader(type: number, size: number): Buffer {
  const bytes: number[] = [];
  let low = (type << 4) | (size & 0x0f);
  for (let rest = Math.floor(size / 16); rest > 0; rest = Math.floor(rest / 128)) {
    bytes.push(low | 0x80);
    low = rest & 0x7f;
  }
  bytes.push(low);
  return Buffer.from(bytes);
}

/** A delta header's size (little-endian base 128). */
function varint(n: number): number[] {
  const out: number[] = [];
  do {
    out.push((n & 0x7f) | (n >= 128 ? 0x80 : 0));
    n = Math.floor(n / 128);
  } while (n > 0);
  return out;
}

const BLOB = 3;
const OFS_DELTA = 6;
/** Delta bases are 64 KiB of zeros: a copy opcode with no offset or length bytes copies exactly that. */
const BASE_SIZE = 0x10000;

export interface PackedZeros {
  /** The blob of `size` zeros. */
  readonly oid: string;
  /** The delta base, when the blob is stored as a delta. */
  readonly baseOid?: string;
}

/**
 * Writes a pack (and its index, by `git index-pack`) holding a blob of `size`
 * zeros: whole, or with `delta` as an ofs-delta of `baseSize` zeros (default
 * and least 64 KiB; larger: a small blob on a bomb of a base), whose
 * delta data is one byte per 64 KiB of the result (with `delta: "inserts"`,
 * the zeros inserted 127 at a time: a delta larger than its result, held in
 * memory here). `size` must then be a multiple of 64 KiB. git index-pack
 * inflates the blob to hash it: a whole one streaming, a delta's result in
 * memory (keep those small).
 */
export async function writePackedZeros(
  gitdir: string,
  size: number,
  options: { delta?: boolean | "inserts"; baseSize?: number } = {},
): Promise<PackedZeros> {
  const entries: Buffer[] = [];
  let baseOid: string | undefined;
  let oid: string;
  if (options.delta) {
    if (size % BASE_SIZE !== 0) throw new Error(`a delta bomb's size must be a multiple of ${BASE_SIZE}`);
    const baseSize = options.baseSize ?? BASE_SIZE;
    const baseHash = createHash("sha1").update(`blob ${baseSize}\0`);
    const base = Buffer.concat([entryHeader(BLOB, baseSize), await deflated(Buffer.alloc(0), baseSize, baseHash)]);
    baseOid = baseHash.digest("hex");
    const ops = options.delta === "inserts" ? inserts(size) : Buffer.alloc(size / BASE_SIZE, 0x80);
    const delta = Buffer.concat([Buffer.from([...varint(baseSize), ...varint(size)]), ops]);
    // The delta entry follows the base entry: its distance back is the base entry's length.
    entries.push(base, Buffer.concat([entryHeader(OFS_DELTA, delta.length), encodeDistance(base.length), await deflatedBuffer(delta)]));
    oid = zerosBlobId(size);
  } else {
    const hash = createHash("sha1").update(`blob ${size}\0`);
    entries.push(Buffer.concat([entryHeader(BLOB, size), await deflated(Buffer.alloc(0), size, hash)]));
    oid = hash.digest("hex");
  }
  const header = Buffer.alloc(12);
  header.write("PACK", 0, "latin1");
  header.writeUInt32BE(2, 4);
  header.writeUInt32BE(entries.length, 8);
  const body = Buffer.concat([header, ...entries]);
  const trailer = createHash("sha1").update(body).digest();
  const file = path.join(gitdir, "objects", "pack", `pack-${trailer.toString("hex")}.pack`);
  await fsp.mkdir(path.dirname(file), { recursive: true });
  await fsp.writeFile(file, Buffer.concat([body, trailer]));
  await git(gitdir, ["index-pack", file]);
  return { oid, baseOid };
}

/** Delta opcodes inserting `size` zeros, 127 (the most one insert takes) at a time. */
function inserts(size: number): Buffer {
  const ops = Buffer.alloc(size + Math.ceil(size / 127));
  let at = 0;
  for (let left = size; left > 0; left -= 127) {
    const n = Math.min(127, left);
    ops[at] = n;
    at += n + 1;
  }
  return ops;
}

async function deflatedBuffer(data: Buffer): Promise<Buffer> {
  const out: Buffer[] = [];
  await pipeline(Readable.from([data]), createDeflate(), async (chunks: AsyncIterable<Buffer>) => {
    for await (const c of chunks) out.push(c);
  });
  return Buffer.concat(out);
}

/** An ofs-delta's distance back to its base entry (git's offset encoding). */
function encodeDistance(distance: number): Buffer {
  const bytes = [distance & 0x7f];
  for (let n = Math.floor(distance / 128); n > 0; n = Math.floor(n / 128)) {
    n -= 1;
    bytes.unshift((n & 0x7f) | 0x80);
  }
  return Buffer.from(bytes);
}
