/**
 * zlib inflate for object data, never past a cap. A git object says its size
 * before its data, and zeros deflate 1000 to 1: a 1 GiB blob is 1 MB on disk,
 * so a reader checks the size against its limit first and then inflates at
 * most that much (zlib's maxOutputLength stops an inflate that passes it).
 * Small outputs are inflated on the event loop (cheaper than a thread-pool
 * round trip), large ones off it.
 */
import { promisify } from "node:util";
import { createInflate, inflate as inflateAsync, inflateSync, type ZlibOptions } from "node:zlib";

const inflateInPool = promisify<Buffer, ZlibOptions, Buffer>(inflateAsync);
/** Caps up to this are inflated synchronously: the work is bounded by the cap, not by the input. */
const SYNC_BYTES = 256 * 1024;
/** zlib's output step: an inflate stopped at its cap has produced at most this much past it. */
const CHUNK_BYTES = 16 * 1024;
/** zlib's smallest output step. */
const MIN_CHUNK_BYTES = 64;
/** The output step of a header-only inflate. */
const HEAD_CHUNK_BYTES = MIN_CHUNK_BYTES;

/**
 * The compressed bytes a header-only inflate is given: a header comes out of
 * the first few dozen (after a dynamic Huffman table of a few hundred at
 * most), and an object too large to read is not read from disk whole either.
 */
export const HEAD_INPUT_BYTES = 4096;

/** The most bytes zlib's deflate makes of `size` bytes (its compressBound), with room for the stream's header and trailer. */
export function deflateBound(size: number): number {
  return size + Math.ceil(size / 4096) + Math.ceil(size / 16384) + 64;
}

let produced = 0;

/** Bytes inflated by this process so far, counting an inflate stopped at its cap as cap + one chunk (tests check refusals by it). */
export function inflatedBytes(): number {
  return produced;
}

/** `compressed` inflated, or undefined when it inflates to more than `cap` bytes (zlib stops then). */
export async function inflateCapped(compressed: Buffer, cap: number): Promise<Buffer | undefined> {
  // maxOutputLength must be at least 1; an empty object inflates to 0 bytes under it.
  // The output is a slice of zlib's chunk: a small object gets a chunk just past its size (from Buffer's pool),
  // not a 16 KiB one of its own that the object cache would keep alive while counting ~200 bytes.
  const chunkSize = Math.min(CHUNK_BYTES, Math.max(MIN_CHUNK_BYTES, cap + 1));
  const options: ZlibOptions = { maxOutputLength: Math.max(cap, 1), chunkSize };
  try {
    const out = cap <= SYNC_BYTES ? inflateSync(compressed, options) : await inflateInPool(compressed, options);
    produced += out.length;
    return out.length > cap ? undefined : out;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ERR_BUFFER_TOO_LARGE") throw err;
    produced += cap + chunkSize;
    return undefined;
  }
}

/**
 * The first `bytes` bytes `compressed` inflates to (fewer when it is
 * shorter): a streaming inflate, stopped as soon as it has them, so that an
 * object's header can be read without inflating its data.
 */
export function inflateHead(compressed: Buffer, bytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const stream = createInflate({ chunkSize: HEAD_CHUNK_BYTES });
    const chunks: Buffer[] = [];
    let length = 0;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      stream.destroy();
      resolve(Buffer.concat(chunks).subarray(0, bytes));
    };
    stream.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      length += chunk.length;
      produced += chunk.length;
      if (length >= bytes) finish();
    });
    stream.on("end", finish);
    stream.on("error", (err) => {
      if (done) return;
      done = true;
      reject(err);
    });
    stream.end(compressed);
  });
}
