/** Git's delta format (pack entries of type ofs-delta and ref-delta), applied to a base (pure). */
import { CorruptObjectError } from "./object";

/** The object `delta` describes on top of `base`. Throws CorruptObjectError naming `where`. */
export function applyDelta(delta: Buffer, base: Buffer, where: string): Buffer {
  let at = 0;
  const fail = (why: string): never => {
    throw new CorruptObjectError(where, `bad delta: ${why}`);
  };
  const byte = (): number => {
    const b = delta[at++];
    return b === undefined ? fail("truncated") : b;
  };
  const size = (): number => {
    let value = 0;
    let scale = 1;
    let b: number;
    do {
      b = byte();
      value += (b & 0x7f) * scale;
      scale *= 128;
    } while (b & 0x80);
    return value;
  };
  /** The bytes of a copy's offset or length that its opcode's `bits` say are present, little-endian. */
  const le = (op: number, bits: number, count: number): number => {
    let value = 0;
    for (let i = 0; i < count; i++) if (op & (bits << i)) value += byte() * 2 ** (8 * i);
    return value;
  };

  if (size() !== base.length) fail(`base is ${base.length} bytes, the delta expects another size`);
  const out = Buffer.allocUnsafe(size());
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
