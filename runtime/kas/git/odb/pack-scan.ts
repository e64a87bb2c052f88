/**
 * A fetched pack, checked before isomorphic-git indexes it. Its indexer
 * inflates every object whole in memory to compute ids, so one 1 GiB blob of
 * zeros (1 MB on the wire) would cost kas 1 GiB at fetch time. Here each
 * entry's declared size (and a delta's result size, from the delta's own
 * header) is checked first, and no inflate may produce more than the limit.
 */
import { inflateSync } from "node:zlib";
import { parseDeltaHeader } from "./delta";
import { parseEntryHeader } from "./pack-entry";

export interface OversizedObject {
  /** Offset of the entry in the pack. */
  readonly offset: number;
  readonly bytes: number;
}

/** The first object of `pack` larger than `maxBytes` (a delta by its result), or undefined when there is none. Throws on a corrupt pack. */
export function findOversizedObject(pack: Buffer, maxBytes: number): OversizedObject | undefined {
  if (pack.length < 12 || pack.toString("latin1", 0, 4) !== "PACK") throw new Error("not a git pack (no PACK signature)");
  const count = pack.readUInt32BE(8);
  let offset = 12;
  for (let i = 0; i < count; i++) {
    const header = parseEntryHeader(pack.subarray(offset, offset + 64), offset, "fetched pack");
    if (header.size > maxBytes) return { offset, bytes: header.size };
    const { buffer, engine } = inflateSync(pack.subarray(offset + header.dataStart), {
      info: true,
      maxOutputLength: Math.max(header.size, 1),
    }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
    if (header.kind !== "whole") {
      const result = parseDeltaHeader(buffer, "fetched pack").resultSize;
      if (result > maxBytes) return { offset, bytes: result };
    }
    offset += header.dataStart + engine.bytesWritten;
  }
  return undefined;
}
