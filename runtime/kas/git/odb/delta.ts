/** Git's delta format (pack entries of type ofs-delta and ref-delta), applied to a base (pure). */
import { CorruptObjectError } from "./object";

/** A delta's first bytes: the sizes of its base and of its result, each at most 10 bytes. */
export const DELTA_HEADER_MAX = 20;

export interface DeltaHeader {
  readonly baseSize: number;
  /** The size of the object the delta makes: known before the base is read or the result allocated. */
  readonly resultSize: number;
  /** Where the opcodes start. */
  readonly opsStart: number;
}

/** The sizes at the start of `delta` (the whole delta or only its first bytes). Throws CorruptObjectError naming `where`. */
export function parseDeltaHeader(delta: Buffer, where: string): DeltaHeader {
  let at = 0;
  const size = (): number => {
    let value = 0;
    let scale = 1;
    let b: number | undefined;
    do {
      b = delta[at++];
      if (b === undefined || scale > 2 ** 63) throw new CorruptObjectError(where, "bad delta: truncated");
      value += (b & 0x7f) * scale;
      scale *= 128;
    } while (b & 0x80);
    return value;
  };
  const baseSize = size();
  return { baseSize, resultSize: size(), opsStart: at };
}

/** The object `delta` describes on top of `base`. Throws CorruptObjectError naming `where`. */
export function applyDelta(delta: Buffer, base: Buffer, where: string): Buffer {
  const header = parseDeltaHeader(delta, where);
  let at = header.opsStart;
  const fail = (why: string): never => {
    throw new CorruptObjectError(where, `bad delta: ${why}`);
  };
  const byte = (): number => {
    const b = delta[at++];
    return b === undefined ? fail("truncated") : b;
  };
  /** The bytes of a copy's offset or length that its opcode's `bits` say are present, little-endian. */
  const le = (op: number, bits: number, count: number): number => {
    let value = 0;
    for (let i = 0; i < count; i++) if (op & (bits << i)) value += byte() * 2 ** (8 * i);
    return value;
  };

  if (header.baseSize !== base.length) fail(`base is ${base.length} bytes, the delta expects another size`);
  const out = Buffer.allocUnsafe(header.resultSize);
  let written = 0;
  while (at < delta.length) {
    const op = byte();
    if (op & 0x80) {
      const offset = le(op, 0x01, 4);
      const length = le(op, 0x10, 3) || 0x10000;
      if (offset + length > base.length || written + length > out.length) fail("copy out of range");
      written += base.copy(out, written, offset, offset + length);
    } else if (op > 0) {
      if (at + op > delta.length || written + op > out.length) fail("insert out of range");
      written += delta.copy(out, written, at, at + op);
      at += op;
    } else {
      fail("reserved opcode 0");
    }
  }
  if (written !== out.length) fail(`wrote ${written} of ${out.length} bytes`);
  return out;
}
