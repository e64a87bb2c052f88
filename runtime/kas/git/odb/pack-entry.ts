/** The header of one pack entry: its type, inflated size, and the base of a delta (pure). */
import { CorruptObjectError, type ObjectType } from "./object";

export type EntryHeader = {
  /** Inflated size of the entry's data (for a delta: of the delta itself). */
  readonly size: number;
  /** Where the zlib stream starts, relative to the entry. */
  readonly dataStart: number;
} & (
  | { readonly kind: "whole"; readonly type: ObjectType }
  /** `baseOffset` is absolute in the pack. */
  | { readonly kind: "ofs-delta"; readonly baseOffset: number }
  | { readonly kind: "ref-delta"; readonly baseOid: string }
);

/** The longest entry header: type and size (at most 10 bytes), then a ref-delta's base id (20) or an ofs-delta's offset (at most 10). */
export const ENTRY_HEADER_MAX = 32;

const WHOLE: Readonly<Record<number, ObjectType>> = { 1: "commit", 2: "tree", 3: "blob", 4: "tag" };
const OFS_DELTA = 6;
const REF_DELTA = 7;

/** Parses the header at the start of `entry`, which starts at `offset` in the pack. Throws CorruptObjectError naming `where`. */
export function parseEntryHeader(entry: Buffer, offset: number, where: string): EntryHeader {
  let at = 0;
  const byte = (): number => {
    const b = entry[at++];
    if (b === undefined) throw new CorruptObjectError(where, `entry at ${offset}: truncated header`);
    return b;
  };
  let b = byte();
  const code = (b >> 4) & 0x7;
  let size = b & 0x0f;
  for (let scale = 16; b & 0x80; scale *= 128) {
    b = byte();
    size += (b & 0x7f) * scale;
  }
  const type = WHOLE[code];
  if (type !== undefined) return { kind: "whole", type, size, dataStart: at };
  if (code === OFS_DELTA) {
    b = byte();
    let distance = b & 0x7f;
    while (b & 0x80) {
      b = byte();
      distance = (distance + 1) * 128 + (b & 0x7f);
    }
    if (distance <= 0 || distance > offset) throw new CorruptObjectError(where, `entry at ${offset}: delta base out of range`);
    return { kind: "ofs-delta", baseOffset: offset - distance, size, dataStart: at };
  }
  if (code === REF_DELTA) {
    if (at + 20 > entry.length) throw new CorruptObjectError(where, `entry at ${offset}: truncated header`);
    return { kind: "ref-delta", baseOid: entry.toString("hex", at, at + 20), size, dataStart: at + 20 };
  }
  throw new CorruptObjectError(where, `entry at ${offset}: unknown type ${code}`);
}
