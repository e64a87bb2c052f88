import { CorruptObjectError, objectId, parseLoose, verifyId } from "./object";
import { parseEntryHeader } from "./pack-entry";
import { isUnsafeName, parseTree } from "./tree";

test("objectId is git's: the empty blob and the empty tree", () => {
  expect(objectId("blob", Buffer.alloc(0))).toBe("e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
  expect(objectId("tree", Buffer.alloc(0))).toBe("4b825dc642cb6eb9a060e54bf8d69288fbee4904");
});

test("parseLoose reads the header and checks the length; verifyId checks the id", () => {
  const o = parseLoose(Buffer.from("blob 3\0abc"), "f");
  expect(o).toEqual({ type: "blob", data: Buffer.from("abc") });
  expect(() => verifyId(objectId("blob", Buffer.from("abc")), o, "f")).not.toThrow();
  expect(() => verifyId(objectId("blob", Buffer.from("abd")), o, "f")).toThrow(CorruptObjectError);
  expect(() => parseLoose(Buffer.from("blob 4\0abc"), "f")).toThrow('header says "4" bytes, found 3');
  expect(() => parseLoose(Buffer.from("thing 3\0abc"), "f")).toThrow('unknown object type "thing"');
  expect(() => parseLoose(Buffer.from("blob3abc"), "f")).toThrow("no object header");
});

test("pack entry headers: whole objects with multi-byte sizes, and both delta kinds", () => {
  // blob (3), size 0x123 = 3 | (0x12 << 4): first byte 1_011_0011, then 0x12
  expect(parseEntryHeader(Buffer.from([0xb3, 0x12, 0x78]), 100, "p")).toEqual({ kind: "whole", type: "blob", size: 0x123, dataStart: 2 });
  // ofs-delta (6), size 5, distance: 0x81 0x00 = ((1 + 1) << 7) | 0 = 256
  expect(parseEntryHeader(Buffer.from([0x65, 0x81, 0x00]), 1000, "p")).toEqual({ kind: "ofs-delta", baseOffset: 744, size: 5, dataStart: 3 });
  const base = "ab".repeat(20);
  expect(parseEntryHeader(Buffer.concat([Buffer.from([0x75]), Buffer.from(base, "hex")]), 10, "p")).toEqual({
    kind: "ref-delta",
    baseOid: base,
    size: 5,
    dataStart: 21,
  });
  expect(() => parseEntryHeader(Buffer.from([0x65, 0x7f]), 100, "p")).toThrow("delta base out of range");
  expect(() => parseEntryHeader(Buffer.from([0x55]), 100, "p")).toThrow("unknown type 5");
  expect(() => parseEntryHeader(Buffer.from([0xb3]), 100, "p")).toThrow("truncated header");
});

test("trees decode as isomorphic-git decodes them", () => {
  const oid = "cd".repeat(20);
  const entry = (mode: string, name: string) => Buffer.concat([Buffer.from(`${mode} ${name}\0`), Buffer.from(oid, "hex")]);
  expect(parseTree(Buffer.concat([entry("100644", "b.yaml"), entry("40000", "a"), entry("120000", "link"), entry("160000", "sub")]))).toEqual([
    { mode: "040000", path: "a", oid, type: "tree" },
    { mode: "100644", path: "b.yaml", oid, type: "blob" },
    { mode: "120000", path: "link", oid, type: "blob" },
    { mode: "160000", path: "sub", oid, type: "commit" },
  ]);
  expect(() => parseTree(entry("100664", "x"))).toThrow("Unexpected GitTree entry mode: 100664");
  expect(() => parseTree(entry("100644", ".."))).toThrow(expect.objectContaining({ code: "UnsafeFilepathError" }));
  expect(() => parseTree(Buffer.from("100644 x"))).toThrow("Could not find the next null character");
});

test.each([
  ["..", true],
  [".", true],
  [".git", true],
  [".GIT. ", true],
  ["git~1", true],
  [".git::$INDEX_ALLOCATION", true],
  ["a\\b", true],
  [".g\u200cit", true],
  [".github", false],
  ["config.yaml", false],
])("isUnsafeName(%j) is %s", (name, unsafe) => {
  expect(isUnsafeName(name)).toBe(unsafe);
});
