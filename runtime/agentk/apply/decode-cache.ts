/**
 * A memo of plan's decodeFile by file path and content (SHA-256): kas sends
 * every file of the project on each commit, so a commit that changes one file
 * of a thousand decodes one, not a thousand (YAML decoding is most of a no-op
 * sync's CPU). Decoded documents are deep-frozen, so sharing them is safe.
 */
import { createHash } from "node:crypto";
import { Lru } from "../../common";
import type { SourceFile } from "../../rpc/object-stream";
import { decodeFile, type Decode, type DecodedFile } from "../plan";

/** What a decoded file is taken to cost, per byte of its text (objects are larger than their YAML). */
const BYTES_PER_TEXT_BYTE = 4;
const ENTRY_BYTES = 500;
/** Default budget: enough for several thousand manifest files of a few KiB. */
export const DECODE_CACHE_BYTES = 16 * 1024 * 1024;

export function decodeCache(maxBytes = DECODE_CACHE_BYTES): Decode {
  const cache = new Lru<string, { readonly weight: number; readonly decoded: DecodedFile }>(maxBytes, (e) => e.weight);
  return (file: SourceFile): DecodedFile => {
    const key = createHash("sha256").update(file.path).update("\0").update(file.data).digest("base64");
    const hit = cache.get(key);
    if (hit !== undefined) return hit.decoded;
    const decoded = decodeFile(file);
    cache.set(key, { weight: ENTRY_BYTES + file.data.length * BYTES_PER_TEXT_BYTE, decoded });
    return decoded;
  };
}
