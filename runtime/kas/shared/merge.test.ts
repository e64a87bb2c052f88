import type { ReportedCommitWire } from "../commit-status";
import { mergeAgent, mergeCommitEntries, withPresence } from "./merge";
import type { AgentState, CommitEntry } from "./records";
import { forwardOrder, livePresence, presenceValue } from "./redis-keys";
import { reconnectDelayMs } from "./redis-client";

const agent = (over: Partial<AgentState>): AgentState => ({ id: "1", name: "a1", config_project: "g/c", open_streams: 1, connected: true, first_seen: "2026-01-01T00:00:00.000Z", last_seen: "2026-01-01T00:00:00.000Z", projects: {}, ...over });
const report = (commit: string, at: string) => ({ project_id: "g/m", commit_id: commit, success: true, error: "", objects: [], objects_omitted: 0, started_at_unix_ms: 1, finished_at_unix_ms: 2, received_at: at });
const entry = (commit: string, state: ReportedCommitWire["state"], startedAt: number, at: string): CommitEntry => ({ startedAt, result: { commit, state, counts: { objects: 0, applied: 0, current: 0, pending: 0, failed: 0 }, objects: [], objects_omitted: 0, updated_at: at } });

describe("mergeAgent: the store keeps the union of what replicas know", () => {
  test("GIVEN a stored record and a newer local one THEN agent fields come from the newer, first_seen is the earliest, each project's newest report wins", () => {
    const stored = agent({ first_seen: "2026-01-01T00:00:00.000Z", last_seen: "2026-01-02T00:00:00.000Z", config_commit: "old", projects: { "g/m": { lastReport: report("c2", "2026-01-02T00:00:00.000Z") }, "g/x": { sentCommit: "x1" } } });
    const local = agent({ first_seen: "2026-01-03T00:00:00.000Z", last_seen: "2026-01-03T00:00:00.000Z", config_commit: "new", projects: { "g/m": { sentCommit: "c3", lastReport: report("c1", "2026-01-01T00:00:00.000Z") } } });
    const m = mergeAgent(stored, local);
    expect(m.config_commit).toBe("new");
    expect(m.first_seen).toBe("2026-01-01T00:00:00.000Z");
    expect(m.projects["g/m"]).toEqual({ sentCommit: "c3", lastReport: report("c2", "2026-01-02T00:00:00.000Z") });
    expect(m.projects["g/x"]).toEqual({ sentCommit: "x1" });
  });

  test("GIVEN a replica writing its stale record after Redis returns THEN it does not undo the newer stored one", () => {
    const stored = agent({ last_seen: "2026-01-05T00:00:00.000Z", config_commit: "newer" });
    const stale = agent({ last_seen: "2026-01-04T00:00:00.000Z", config_commit: "older" });
    expect(mergeAgent(stored, stale).config_commit).toBe("newer");
    expect(mergeAgent(undefined, stale)).toEqual(stale);
  });
});

describe("mergeCommitEntries: per-commit results of two replicas", () => {
  test("GIVEN the same commit's progress and final report of one run THEN the final wins, whatever the order", () => {
    const progress = entry("c1", "in_progress", 10, "2026-01-01T00:00:02.000Z");
    const final = entry("c1", "succeeded", 10, "2026-01-01T00:00:01.000Z");
    expect(mergeCommitEntries([progress], [final], 20)).toEqual([final]);
    expect(mergeCommitEntries([final], [progress], 20)).toEqual([final]);
  });

  test("GIVEN a later run of a commit THEN it replaces the earlier run's result", () => {
    const early = entry("c1", "failed", 10, "2026-01-01T00:00:01.000Z");
    const later = entry("c1", "in_progress", 20, "2026-01-01T00:00:02.000Z");
    expect(mergeCommitEntries([later], [early], 20)).toEqual([later]);
  });

  test("GIVEN more commits than the bound THEN the newest `max` are kept, oldest first", () => {
    const a = Array.from({ length: 15 }, (_, i) => entry(`a${i}`, "succeeded", i, `2026-01-01T00:00:${String(i * 2).padStart(2, "0")}.000Z`));
    const b = Array.from({ length: 15 }, (_, i) => entry(`b${i}`, "succeeded", i, `2026-01-01T00:00:${String(i * 2 + 1).padStart(2, "0")}.000Z`));
    const m = mergeCommitEntries(a, b, 20);
    expect(m).toHaveLength(20);
    expect(m[0]?.result.commit).toBe("a5");
    expect(m[19]?.result.commit).toBe("b14");
  });
});

describe("presence entries", () => {
  test("GIVEN fields of live, expired and malformed entries THEN the live ones, freshest first", () => {
    const hash = { "grpc://a:8155": presenceValue(2_000, 2, 1), "grpc://b:8155": presenceValue(3_000, 1, 0), "grpc://c:8155": presenceValue(900, 4, 2), d: "junk", e: "5000:1" };
    expect(livePresence(hash, 1_000)).toEqual([
      { replica: "grpc://b:8155", expiresAt: 3_000, streams: 1, tunnels: 0 },
      { replica: "grpc://a:8155", expiresAt: 2_000, streams: 2, tunnels: 1 },
    ]);
  });

  test("GIVEN the agent's tunnels all in use or reopening on its replica WHEN another replica routes a request THEN that replica is still a candidate (it waits for a tunnel), after replicas with open tunnels; self and replicas without the agent never", () => {
    const hash = {
      "grpc://busy:8157": presenceValue(5_000, 2, 0),
      "grpc://open:8157": presenceValue(3_000, 3, 2),
      "grpc://self:8157": presenceValue(6_000, 1, 1),
      "grpc://gone:8157": presenceValue(4_000, 0, 0),
      "grpc://old:8157": presenceValue(500, 1, 1),
    };
    expect(forwardOrder(hash, 1_000, "grpc://self:8157")).toEqual(["grpc://open:8157", "grpc://busy:8157"]);
  });

  test("reconnect delays grow from 100 ms to a 5 s cap, with jitter", () => {
    expect([0, 1, 2, 10, 50].map((n) => reconnectDelayMs(n, () => 0))).toEqual([100, 200, 400, 5_000, 5_000]);
    expect(reconnectDelayMs(10, () => 1)).toBe(6_000);
  });
});

test("withPresence: streams summed over live replicas, and each replica's count kept (the console's connections per replica)", () => {
  const a = withPresence(agent({ open_streams: 0, connected: false }), new Map([["grpc://b:8155", 1], ["grpc://a:8155", 2]]));
  expect(a).toMatchObject({ open_streams: 3, connected: true, replicas: [{ replica: "grpc://a:8155", streams: 2 }, { replica: "grpc://b:8155", streams: 1 }] });
});
