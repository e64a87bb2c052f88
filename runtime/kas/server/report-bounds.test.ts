/** What kas keeps of an agent's status report: lists cut with a count, strings cut on a character boundary, a byte budget. */
import type { ObjectStatus, SyncStatusReport } from "../../rpc";
import { AgentTracker } from "./agent-tracker";
import { boundReport, DEFAULT_REPORT_LIMITS, truncateUtf8 } from "./report-bounds";

const object = (i: number, message = "ok"): ObjectStatus => ({ group: "", version: "v1", kind: "ConfigMap", namespace: "evil", name: `cm-${i}`, status: "Current", message });
const report = (objects: ObjectStatus[], error = ""): SyncStatusReport => ({
  project_id: "g/evil",
  commit_id: "c".repeat(40),
  success: error === "",
  error,
  objects,
  started_at_unix_ms: 1,
  finished_at_unix_ms: 2,
});

describe("boundReport", () => {
  test("a small report is kept as is, with objects_omitted 0", () => {
    const r = report([object(1)]);
    expect(boundReport(r)).toEqual({ ...r, objects_omitted: 0 });
  });

  test("5,000 objects and a 3 MB error: the first 200 objects, a count of the rest, the error cut to 4 KiB", () => {
    const b = boundReport(report(Array.from({ length: 5000 }, (_, i) => object(i)), "x".repeat(3_000_000)));
    expect(b.objects).toHaveLength(200);
    expect(b.objects[0]!.name).toBe("cm-0");
    expect(b.objects_omitted).toBe(4800);
    expect(Buffer.byteLength(b.error)).toBeLessThanOrEqual(DEFAULT_REPORT_LIMITS.maxMessageBytes);
    expect(b.error).toMatch(/… \(truncated\)$/);
    expect(Buffer.byteLength(JSON.stringify(b))).toBeLessThan(64 * 1024);
  });

  test("objects with multi-megabyte messages and names stay within the byte budget", () => {
    const huge = "m".repeat(2_000_000);
    const b = boundReport(report(Array.from({ length: 1000 }, (_, i) => ({ ...object(i, huge), name: huge, kind: huge }))));
    expect(Buffer.byteLength(JSON.stringify(b))).toBeLessThan(DEFAULT_REPORT_LIMITS.maxObjectsBytes + 16 * 1024);
    expect(b.objects.length + b.objects_omitted).toBe(1000);
    for (const o of b.objects) {
      expect(Buffer.byteLength(o.name)).toBeLessThanOrEqual(DEFAULT_REPORT_LIMITS.maxFieldBytes);
      expect(Buffer.byteLength(o.message)).toBeLessThanOrEqual(DEFAULT_REPORT_LIMITS.maxMessageBytes);
    }
  });

  test("non-string fields (a hostile client's JSON) become strings, not crashes", () => {
    const b = boundReport({ ...report([]), error: 42 as unknown as string, objects: "nope" as unknown as ObjectStatus[] });
    expect(b.error).toBe("42");
    expect(b.objects).toEqual([]);
  });
});

describe("truncateUtf8", () => {
  test.each([
    ["ascii", "a".repeat(100)],
    ["2-byte", "é".repeat(100)],
    ["3-byte", "€".repeat(100)],
    ["surrogate pairs", "😀".repeat(100)],
  ])("%s: at most the limit, no split character", (_name, s) => {
    for (const max of [20, 31, 32, 33, 64]) {
      const t = truncateUtf8(s, max);
      expect(Buffer.byteLength(t)).toBeLessThanOrEqual(max);
      expect(t).not.toContain("\uFFFD");
      expect(t.endsWith("… (truncated)")).toBe(true);
    }
    expect(truncateUtf8(s, 10_000)).toBe(s);
  });
});

describe("AgentTracker", () => {
  const agent = { id: "1", name: "mallory", configProjectId: "g/evil" };

  test("stores the bounded report, and its revision moves on every change", () => {
    const t = new AgentTracker();
    const r0 = t.revision;
    t.statusReported(agent, report(Array.from({ length: 1000 }, (_, i) => object(i)), "e".repeat(100_000)));
    expect(t.revision).toBeGreaterThan(r0);
    const stored = t.list()[0]!.projects["g/evil"]!.lastReport!;
    expect(stored.objects).toHaveLength(200);
    expect(stored.objects_omitted).toBe(800);
    expect(Buffer.byteLength(stored.error)).toBeLessThanOrEqual(4096);
    const r1 = t.revision;
    const close = t.streamOpened(agent);
    expect(t.revision).toBeGreaterThan(r1);
    const r2 = t.revision;
    close();
    expect(t.revision).toBeGreaterThan(r2);
  });

  test("a config error is cut too", () => {
    const t = new AgentTracker();
    t.configSent(agent, "c1", "bad key ".repeat(100_000));
    expect(Buffer.byteLength(t.list()[0]!.config_error!)).toBeLessThanOrEqual(4096);
  });
});
