import { applyDelta } from "./delta";
import { CorruptObjectError } from "./object";

/** A delta: base size, result size, then ops. */
const delta = (baseSize: number, size: number, ...ops: number[][]): Buffer => Buffer.from([baseSize, size, ...ops.flat()]);
const copy = (offset: number, length: number): number[] => [0x80 | 0x01 | 0x10, offset, length];
const insert = (text: string): number[] => [text.length, ...Buffer.from(text)];

test("copies from the base and inserts new bytes", () => {
  const base = Buffer.from("hello, world");
  expect(applyDelta(delta(12, 13, copy(0, 7), insert("there!")), base, "t").toString()).toBe("hello, there!");
});

test("a copy whose length bytes are all absent copies 64 KiB", () => {
  const base = Buffer.alloc(0x10000, 7);
  const d = Buffer.from([0x80, 0x80, 0x04, 0x80, 0x80, 0x04, 0x80]);
  expect(applyDelta(d, base, "t").equals(base)).toBe(true);
});

test.each([
  ["a base of another size", delta(5, 1, insert("x")), "base is 12 bytes"],
  ["a copy past the base", delta(12, 20, copy(10, 10)), "copy out of range"],
  ["more output than announced", delta(12, 2, insert("abc")), "insert out of range"],
  ["less output than announced", delta(12, 9, insert("abc")), "wrote 3 of 9 bytes"],
  ["the reserved opcode 0", delta(12, 1, [0]), "reserved opcode 0"],
  ["a truncated copy", Buffer.from([12, 1, 0x91, 0]), "truncated"],
])("%s is a CorruptObjectError", (_name, d, message) => {
  const run = () => applyDelta(d, Buffer.from("hello, world"), "pack-x.pack: object abc");
  expect(run).toThrow(CorruptObjectError);
  expect(run).toThrow(message);
  expect(run).toThrow("pack-x.pack: object abc");
});
