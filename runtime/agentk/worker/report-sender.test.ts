import { status } from "@grpc/grpc-js";
import type { SyncStatusReport } from "../../rpc";
import { manualClock } from "../../../test/manual-clock";
import { ReportSender } from "./report-sender";

const report = (commit: string, inProgress = false): SyncStatusReport => ({ project_id: "g/m", commit_id: commit, success: !inProgress, error: "", objects: [], started_at_unix_ms: 1, finished_at_unix_ms: inProgress ? 0 : 2, in_progress: inProgress });
const grpcError = (code: number) => Object.assign(new Error(`code ${code}`), { code });
const settle = () => new Promise((r) => setImmediate(r));

/** kas as the sender sees it: each call answers with the next outcome (a gRPC code fails it); the commits it took, in order. */
function fakeKas(outcomes: (number | "ok")[]) {
  const calls: string[] = [];
  const taken: string[] = [];
  const failures: { commit: string; retrying: boolean }[] = [];
  const clock = manualClock();
  const sender = new ReportSender({
    send: async (r) => {
      calls.push(r.commit_id);
      const o = outcomes.shift() ?? "ok";
      if (o !== "ok") throw grpcError(o);
      taken.push(r.commit_id);
    },
    onFailure: (r, _err, retrying) => void failures.push({ commit: r.commit_id, retrying }),
    backoff: { initialMs: 1000, maxMs: 4000, jitter: 0 },
    clock,
  });
  return { sender, clock, calls, taken, failures };
}

test("GIVEN kas unavailable THEN a final report is sent again with backoff until kas takes it", async () => {
  const k = fakeKas([status.UNAVAILABLE, status.UNAVAILABLE, "ok"]);
  k.sender.report(report("c1"));
  await settle();
  expect(k.calls).toEqual(["c1"]);
  expect(k.sender.waiting).toBe(true);
  k.clock.advance(999);
  await settle();
  expect(k.calls).toEqual(["c1"]);
  k.clock.advance(1);
  await settle();
  k.clock.advance(2000);
  await settle();
  expect(k.taken).toEqual(["c1"]);
  expect(k.calls).toEqual(["c1", "c1", "c1"]);
  expect(k.failures).toEqual([{ commit: "c1", retrying: true }, { commit: "c1", retrying: true }]);
  expect(k.sender.waiting).toBe(false);
});

test("GIVEN a final report waiting THEN progress reports are dropped and a newer final report replaces it, sent at once: kas never gets an older report after a newer", async () => {
  const k = fakeKas([status.UNAVAILABLE]);
  k.sender.report(report("c1"));
  await settle();
  k.sender.report(report("c2", true));
  k.sender.report(report("c2"));
  await settle();
  k.clock.advance(10_000);
  await settle();
  expect(k.calls).toEqual(["c1", "c2"]);
  expect(k.taken).toEqual(["c2"]);
});

test("GIVEN nothing waiting THEN a progress report goes once, not retried", async () => {
  const k = fakeKas([status.UNAVAILABLE]);
  k.sender.report(report("c1", true));
  await settle();
  k.clock.advance(10_000);
  await settle();
  expect(k.calls).toEqual(["c1"]);
  expect(k.failures).toEqual([{ commit: "c1", retrying: false }]);
  expect(k.sender.waiting).toBe(false);
});

test("GIVEN kas refusing the report itself (INVALID_ARGUMENT) THEN it is not sent again; stop() drops a waiting one", async () => {
  const k = fakeKas([status.INVALID_ARGUMENT, status.UNAVAILABLE]);
  k.sender.report(report("c1"));
  await settle();
  expect(k.failures).toEqual([{ commit: "c1", retrying: false }]);
  k.sender.report(report("c2"));
  await settle();
  k.sender.stop();
  k.clock.advance(10_000);
  await settle();
  expect(k.calls).toEqual(["c1", "c2"]);
  expect(k.taken).toEqual([]);
});
