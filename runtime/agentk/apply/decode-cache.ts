/**
 * A memo of plan's decodeFile by file path and content (SHA-256): kas sends
 * every file of the project on each commit, so a commit that changes one file
 * of a thousand decodes one, not a thousand (YAML decoding is most of a no-op
 * sync's CPU). Decoded documents are deep-frozen, so sharing them is safe.
 */
import { createHash } from "node:crypto";
import { Lru } from "../../common";
import type { SourceFile } from "../../rpc/object-stream";
import { decodeFile, decodeFileYielding, type Decode, type DecodedFile } from "../plan";

/** What a decoded file is taken to cost, per byte of its text (objects are larger than their YAML). */
const BYTES_PER_TEXT_BYTE = 4;
const ENTRY_BYTES = 500;
/** Default budget: enough for several thousand manifest files of a few KiB. */
export const DECODE_CACHE_BYTES = 16 * 1024 * 1024;

export interface DecodeMemo extends Decode {
  /**
   * Decodes what the memo lacks of `files` with decodeFileYielding (a turn of
   * the event loop every few hundred documents, and between files), and
   * resolves with a Decode that answers for these files without decoding
   * again, even when the memo's budget could not keep them all.
   */
  prepare(files: readonly SourceFile[]): Promise<Decode>;
}

export function decodeCache(maxBytes = DECODE_CACHE_BYTES): DecodeMemo {
  const cache = new Lru<string, { readonly weight: number; readonly decoded: DecodedFile }>(maxBytes, (e) => e.weight);
  const keyOf = (file: SourceFile): string => createHash("sha256").update(file.path).update("\0").update(file.data).digest("base64");
  const remember = (key: string, file: SourceFile, decoded: DecodedFile): void =>
    cache.set(key, { weight: ENTRY_BYTES + file.data.length * BYTES_PER_TEXT_BYTE, decoded });
  const decode = (file: SourceFile): DecodedFile => {
    const key = keyOf(file);
    const hit = cache.get(key);
    if (hit !== undefined) return hit.decoded;
    const decoded = decodeFile(file);
    remember(key, file, decoded);
    return decoded;
  };
  const prepare = async (files: readonly SourceFile[]): Promise<Decode> => {
    const ready = new Map<SourceFile, DecodedFile>();
    for (const file of files) {
      const key = keyOf(file);
      const hit = cache.get(key);
      if (hit !== undefined) {
        ready.set(file, hit.decoded);
        continue;
      }
      const decoded = await decodeFileYielding(file);
      remember(key, file, decoded);
      ready.set(file, decoded);
      await new Promise((resolve) => setImmediate(resolve));
    }
    return (file) => ready.get(file) ?? decode(file);
  };
  return Object.assign(decode, { prepare });
}
