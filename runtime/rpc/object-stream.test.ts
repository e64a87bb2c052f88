import { BatchAssembler, frameBatch, StreamOrderError, type ObjectsBatch } from "./object-stream";
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
  ])("out of order (%s) is rejected", (_name, msgs) => {
    const a = new BatchAssembler();
    expect(() => msgs.forEach((m) => a.push(m))).toThrow(StreamOrderError);
  });
});
