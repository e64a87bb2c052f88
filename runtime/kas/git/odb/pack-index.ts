/**
 * A pack's index (`objects/pack/pack-*.idx`, version 2) read in place: which
 * objects the pack holds and where each entry starts and ends (pure).
 */
import { CorruptObjectError } from "./object";

const MAGIC = 0xff744f63;
const HEADER = 8;
const FANOUT = 256 * 4;
const TRAILER = 40;
const HASH = 20;
/** An offset with this bit set indexes the table of 64-bit offsets. */
const LARGE = 0x80000000;

/** Where an entry lies in the pack: [start, end). */
export interface EntrySpan {
  readonly start: number;
  readonly end: number;
}

export class PackIndex {
  private readonly namesAt = HEADER + FANOUT;
  private readonly offsetsAt: number;
  private readonly largeAt: number;
  /** Positions in the name table ordered by pack offset (built on first use). */
  private byOffset?: { readonly positions: Uint32Array; readonly offsets: Float64Array };

  /**
   * @param idx the .idx file's bytes
   * @param packSize the .pack file's size, in bytes
   * @param where names the file in errors
   */
  private constructor(
    private readonly idx: Buffer,
    private readonly packSize: number,
    readonly count: number,
    private readonly where: string,
  ) {
    this.offsetsAt = this.namesAt + count * (HASH + 4);
    this.largeAt = this.offsetsAt + count * 4;
  }

  /** A version 2 index, or undefined for another version. Throws CorruptObjectError when it does not add up. */
  static parse(idx: Buffer, packSize: number, where: string): PackIndex | undefined {
    if (idx.length < HEADER + FANOUT + TRAILER || idx.readUInt32BE(0) !== MAGIC || idx.readUInt32BE(4) !== 2) return undefined;
    const count = idx.readUInt32BE(HEADER + FANOUT - 4);
    const large = idx.length - (HEADER + FANOUT + count * (HASH + 8) + TRAILER);
    if (large < 0 || large % 8 !== 0) throw new CorruptObjectError(where, `index of ${count} objects is ${idx.length} bytes`);
    return new PackIndex(idx, packSize, count, where);
  }

  /** The span of `oid`'s entry, or undefined when the pack does not hold it. */
  find(oid: string): EntrySpan | undefined {
    const key = Buffer.from(oid, "hex");
    if (key.length !== HASH) return undefined;
    const first = key[0] as number;
    let lo = first === 0 ? 0 : this.fanout(first - 1);
    let hi = this.fanout(first);
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const at = this.namesAt + mid * HASH;
      const c = this.idx.compare(key, 0, HASH, at, at + HASH);
      if (c === 0) return this.span(mid);
      if (c < 0) lo = mid + 1;
      else hi = mid;
    }
    return undefined;
  }

  /** The id of the entry that starts at `offset` (an ofs-delta's base), or undefined when none does. */
  oidAt(offset: number): string | undefined {
    const { positions, offsets } = this.sorted();
    const i = lowerBound(offsets, offset);
    if (offsets[i] !== offset) return undefined;
    const at = this.namesAt + (positions[i] as number) * HASH;
    return this.idx.toString("hex", at, at + HASH);
  }

  private fanout(byte: number): number {
    return this.idx.readUInt32BE(HEADER + byte * 4);
  }

  private offset(position: number): number {
    const small = this.idx.readUInt32BE(this.offsetsAt + position * 4);
    if (!(small & LARGE)) return small;
    const at = this.largeAt + (small & ~LARGE) * 8;
    if (at + 8 > this.idx.length - TRAILER) throw new CorruptObjectError(this.where, "64-bit offset out of range");
    return Number(this.idx.readBigUInt64BE(at));
  }

  /** An entry ends where the next one (by offset) starts; the last one where the pack's checksum does. */
  private span(position: number): EntrySpan {
    const start = this.offset(position);
    const { offsets } = this.sorted();
    const next = offsets[lowerBound(offsets, start) + 1];
    const end = next ?? this.packSize - HASH;
    if (end <= start || end > this.packSize - HASH) throw new CorruptObjectError(this.where, `entry at ${start} has no room in the pack`);
    return { start, end };
  }

  private sorted(): { readonly positions: Uint32Array; readonly offsets: Float64Array } {
    if (this.byOffset) return this.byOffset;
    const all = new Float64Array(this.count);
    for (let p = 0; p < this.count; p++) all[p] = this.offset(p);
    const positions = new Uint32Array(this.count);
    for (let p = 0; p < this.count; p++) positions[p] = p;
    positions.sort((a, b) => (all[a] as number) - (all[b] as number));
    const offsets = new Float64Array(this.count);
    for (let i = 0; i < this.count; i++) offsets[i] = all[positions[i] as number] as number;
    this.byOffset = { positions, offsets };
    return this.byOffset;
  }
}

/** The first index whose value is >= `value` (values ascending). */
function lowerBound(values: Float64Array, value: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((values[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
