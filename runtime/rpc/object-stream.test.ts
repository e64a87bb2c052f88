import { BatchAssembler, BatchLimitError, StreamOrderError } from "./batch-assembler";
import { frameBatch, type ObjectsBatch } from "./object-stream";
import type { ObjectsToSynchronizeResponse } from "./messages";

const batch = (files: Record<string, Buffer>): ObjectsBatch => ({
  commitId: "c1",
  projectId: "group/p",
  files: Object.entries(files).map(([path, data]) => ({ path, data })),
});

describe("objects stream framing", () => {
  test("a file larger than a chunk is cut at the chunk size and reassembled byte for byte", () => {
    const big = Buffer.alloc(300 * 1024, 7);
    big[128 * 1024] = 1;
    const msgs = [...frameBatch(batch({ "a.yaml": big, "b.yaml": Buffer.from("kind: X") }))];
    expect(msgs.map((m) => m.message)).toEqual(["header", "object", "object", "object", "object", "trailer"]);
    const sizes = msgs.flatMap((m) => (m.message === "object" ? [m.object.data.length] : []));
    expect(sizes).toEqual([131072, 131072, 45056, 7]);
    const a = new BatchAssembler();
    const out = msgs.map((m) => a.push(m)).filter((b) => b !== undefined);
    expect(out).toHaveLength(1);
    expect(out[0]!.files.map((f) => f.path)).toEqual(["a.yaml", "b.yaml"]);
    expect(out[0]!.files[0]!.data.equals(big)).toBe(true);
  });

  test("an empty file is still sent", () => {
    const msgs = [...frameBatch(batch({ "empty.yaml": Buffer.alloc(0) }))];
    const a = new BatchAssembler();
    const out = msgs.map((m) => a.push(m)).filter((b) => b !== undefined);
    expect(msgs).toHaveLength(3);
    expect(out[0]!.files).toEqual([{ path: "empty.yaml", data: Buffer.alloc(0) }]);
  });

  test.each<[string, ObjectsToSynchronizeResponse[]]>([
    ["object before header", [{ message: "object", object: { source: "x", data: Buffer.alloc(1) } }]],
    ["trailer before header", [{ message: "trailer", trailer: {} }]],
    [
      "two headers",
      [
        { message: "header", header: { commit_id: "a", project_id: "p" } },
        { message: "header", header: { commit_id: "b", project_id: "p" } },
      ],
    ],
    ["header without commit", [{ message: "header", header: { commit_id: "", project_id: "p" } }]],
    ["a commit_id longer than any hash", [{ message: "header", header: { commit_id: "c".repeat(257), project_id: "p" } }]],
    [
      "a source longer than any path",
      [
        { message: "header", header: { commit_id: "c", project_id: "p" } },
        { message: "object", object: { source: "s".repeat(4097), data: Buffer.alloc(1) } },
      ],
    ],
  ])("out of order (%s) is rejected", (_name, msgs) => {
    const a = new BatchAssembler();
    expect(() => msgs.forEach((m) => a.push(m))).toThrow(StreamOrderError);
  });

  test("a Header for another project than the one asked for is rejected", () => {
    const a = new BatchAssembler({ projectId: "group/p" });
    expect(() => a.push({ message: "header", header: { commit_id: "c", project_id: "group/other" } })).toThrow(/Header for project group\/other \(commit c\), but agentk asked for group\/p/);
  });

  test("a file's chunks out of order (a, b, a) and an Object without a source are rejected", () => {
    const a = new BatchAssembler();
    a.push({ message: "header", header: { commit_id: "c", project_id: "p" } });
    a.push({ message: "object", object: { source: "a", data: Buffer.from("1") } });
    a.push({ message: "object", object: { source: "b", data: Buffer.from("2") } });
    expect(() => a.push({ message: "object", object: { source: "a", data: Buffer.from("3") } })).toThrow(/a sent twice in the batch of commit c/);
    a.push({ message: "header", header: { commit_id: "d", project_id: "p" } });
    expect(() => a.push({ message: "object", object: { source: "", data: Buffer.from("3") } })).toThrow(StreamOrderError);
  });
});

describe("batch limits: a batch past them is refused as it arrives, and the assembler holds nothing after", () => {
  const limits = { fileBytes: 10, totalBytes: 25, files: 3 };
  const start = (): BatchAssembler => {
    const a = new BatchAssembler({ limits });
    a.push({ message: "header", header: { commit_id: "c", project_id: "p" } });
    return a;
  };
  const obj = (source: string, bytes: number): ObjectsToSynchronizeResponse => ({ message: "object", object: { source, data: Buffer.alloc(bytes) } });

  test.each<[string, ObjectsToSynchronizeResponse[], RegExp]>([
    ["a file over fileBytes in one chunk", [obj("a", 11)], /a in the batch of commit c: 11 bytes so far, over the limit of 10 bytes a file/],
    ["a file over fileBytes across chunks", [obj("a", 6), obj("a", 5)], /a in the batch of commit c: 11 bytes so far, over the limit of 10 bytes a file/],
    ["files over totalBytes together", [obj("a", 10), obj("b", 10), obj("c", 6)], /the batch of commit c: 26 bytes so far, over the limit of 25 bytes a batch/],
    ["more files than allowed", [obj("a", 1), obj("b", 1), obj("c", 1), obj("d", 1)], /the batch of commit c: more than 3 files, the limit/],
  ])("%s", (_name, msgs, expected) => {
    const a = start();
    let err: unknown;
    try {
      msgs.forEach((m) => a.push(m));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BatchLimitError);
    expect((err as Error).message).toMatch(expected);
    expect(a.partial()).toBeUndefined();
  });

  test("exactly at every limit is accepted", () => {
    const a = start();
    for (const m of [obj("a", 10), obj("b", 10), obj("c", 5)]) a.push(m);
    expect(a.partial()).toEqual({ commitId: "c", files: 3, bytes: 25 });
    expect(a.push({ message: "trailer", trailer: {} })!.files.map((f) => f.data.length)).toEqual([10, 10, 5]);
    expect(a.partial()).toBeUndefined();
  });
});
