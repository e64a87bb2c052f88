/** zlib inflate for object data: small data on the event loop (cheaper than a thread-pool round trip), large data off it. */
import { promisify } from "node:util";
import { inflate as inflateAsync, inflateSync } from "node:zlib";

const inflateInPool = promisify(inflateAsync);
const SYNC_BYTES = 64 * 1024;

export function inflate(compressed: Buffer): Buffer | Promise<Buffer> {
  return compressed.length < SYNC_BYTES ? inflateSync(compressed) : inflateInPool(compressed);
}
