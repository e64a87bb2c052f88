/** agentk's per-project sync metrics: one commit info series per project, durations in a histogram, a success timestamp. */
import { parseExposition, samples } from "../../../test/metrics";
import { Metrics } from "../../common";
import type { SyncOutcome } from "../apply";
import { SyncMetrics } from "./sync-metrics";

const outcome = (commitId: string, o: Partial<SyncOutcome> = {}): SyncOutcome => ({ commitId, results: [], writes: 0, cancelled: false, ...o });

test("after two commits the info gauge holds one series per project: the latest commit", async () => {
  const m = new Metrics();
  const a = new SyncMetrics(m, "group/a");
  const b = new SyncMetrics(m, "group/b");
  a.recorded(outcome("c1"), 0.2);
  b.recorded(outcome("b1"), 0.2);
  a.recorded(outcome("c2"), 0.3);
  a.recorded(outcome("c2"), 0.3);
  const f = parseExposition(await m.render());
  expect(samples(f, "agentk_last_synced_commit_info").map((s) => s.labels).sort((x, y) => String(x.project).localeCompare(String(y.project)))).toEqual([
    { project: "group/a", commit_id: "c2" },
    { project: "group/b", commit_id: "b1" },
  ]);
});

test("sync durations are a histogram per project; the success timestamp moves only on a successful sync", async () => {
  const m = new Metrics();
  const a = new SyncMetrics(m, "group/a");
  a.recorded(outcome("c1"), 0.2, 1_000_000);
  a.recorded(outcome("c2", { error: "boom" }), 7, 2_000_000);
  a.recorded(outcome("c3", { rejected: ["bad yaml"] }), 0.01, 3_000_000);
  a.errored();
  const f = parseExposition(await m.render());
  expect(f.get("agentk_sync_duration_seconds")?.type).toBe("histogram");
  expect(samples(f, "agentk_sync_duration_seconds_count", { project: "group/a" })[0]?.value).toBe(3);
  expect(samples(f, "agentk_sync_duration_seconds_bucket", { project: "group/a", le: "0.25" })[0]?.value).toBe(2);
  expect(samples(f, "agentk_last_successful_sync_timestamp_seconds", { project: "group/a" })[0]?.value).toBe(1000);
  for (const result of ["ok", "failed", "rejected", "error"]) expect(samples(f, "agentk_syncs_total", { project: "group/a", result })[0]?.value).toBe(1);
});

test("a project that left the configuration loses its commit info and success timestamp; other projects keep theirs", async () => {
  const m = new Metrics();
  const a = new SyncMetrics(m, "group/a");
  const b = new SyncMetrics(m, "group/b");
  a.recorded(outcome("c1"), 0.2, 1_000_000);
  b.recorded(outcome("b1"), 0.2, 2_000_000);
  a.forget();
  const f = parseExposition(await m.render());
  expect(samples(f, "agentk_last_synced_commit_info").map((s) => s.labels.project)).toEqual(["group/b"]);
  expect(samples(f, "agentk_last_successful_sync_timestamp_seconds").map((s) => s.labels.project)).toEqual(["group/b"]);
  expect(samples(f, "agentk_syncs_total", { project: "group/a", result: "ok" })[0]?.value).toBe(1);
});
