/**
 * kas's shared state in a real redis-server (password, key prefix): what two
 * replicas write, each sees; everything stored is bounded and presence
 * expires; without Redis a replica answers its own view and, when Redis
 * returns, writes it again. Leases: one poller per key across replicas.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { createLogger, silentLogger } from "../../runtime/common";
import type { RedisConfig } from "../../runtime/kas/config";
import { AgentTracker, CommitResults, localStateOf } from "../../runtime/kas/server";
import { connectRedis, PollLeases, redisSharedState, RefreshBus, type RedisConnections, type SharedState } from "../../runtime/kas/shared";
import { until } from "../until";
import { startTestRedis, type TestRedis } from ".";

const PASSWORD = "s3cret-pw";
const PREFIX = "test-kas";
const agent = (i: number) => ({ id: String(i), name: `agent-${i}`, configProjectId: "g/config" });
const report = (commit: string, objects = 0) => ({
  project_id: "g/manifests",
  commit_id: commit,
  success: true,
  error: "",
  objects: Array.from({ length: objects }, (_, i) => ({ group: "", version: "v1", kind: "ConfigMap", namespace: "ns", name: `cm-${i}`, status: "Current", message: "" })),
  started_at_unix_ms: Date.now(),
  finished_at_unix_ms: Date.now(),
});

interface Replica {
  readonly tracker: AgentTracker;
  readonly results: CommitResults;
  readonly state: SharedState & { flushed?: () => Promise<void> };
  readonly redis: RedisConnections;
  close(): Promise<void>;
}

let redis: TestRedis;
let config: RedisConfig;
const open: Replica[] = [];

function replica(id: string): Replica {
  const conns = connectRedis(config, silentLogger);
  const tracker = new AgentTracker();
  const results = new CommitResults();
  const state = redisSharedState({ redis: conns, replicaId: id, logger: silentLogger, viewCacheMs: 0 })(localStateOf(tracker, results));
  tracker.onChange((a) => state.agentChanged(a));
  results.onChange((a, p) => state.commitsChanged(a, p));
  const r = { tracker, results, state, redis: conns, close: async () => (await state.close(), await conns.close()) };
  open.push(r);
  return r;
}
const ready = (r: Replica) => until("redis ready", async () => (r.redis.ready() ? true : undefined), 10_000);

beforeAll(async () => {
  redis = await startTestRedis({ password: PASSWORD });
  const dir = mkdtempSync(path.join(tmpdir(), "kas-redis-"));
  writeFileSync(path.join(dir, "password"), `${PASSWORD}\n`);
  config = { host: "127.0.0.1", port: redis.port, passwordFile: path.join(dir, "password"), keyPrefix: PREFIX, dialTimeoutMs: 2_000 };
});
afterEach(async () => {
  for (const r of open.splice(0)) await r.close();
  redis.cli(["FLUSHALL"]);
});
afterAll(() => redis?.close());

test("GIVEN two replicas with agents on each WHEN both read THEN the same merged view, presence summed, replicasOf names the other replicas holding the agent, those with a tunnel first, every key under the prefix", async () => {
  const [a, b] = [replica("grpc://10.0.0.1:8155"), replica("grpc://10.0.0.2:8155")];
  await Promise.all([ready(a), ready(b)]);
  a.tracker.streamOpened(agent(1));
  b.tracker.streamOpened(agent(2));
  b.tracker.streamOpened(agent(1), true); // a reverse tunnel: the Kubernetes API proxy reaches agent 1 through b
  a.tracker.statusReported(agent(1), report("c1"));
  const view = await until("both agents in the view", async () => {
    const v = await a.state.agents();
    return v.agents.length === 2 && v.agents[0]?.projects["g/manifests"] ? v : undefined;
  }, 10_000);
  expect(view.status).toBe("shared");
  expect(view.agents.map((x) => [x.name, x.open_streams, x.connected])).toEqual([["agent-1", 2, true], ["agent-2", 1, true]]);
  await until("b sees the same", async () => (JSON.stringify((await b.state.agents()).agents) === JSON.stringify(view.agents) ? true : undefined), 10_000);
  expect(await a.state.replicasOf("1")).toEqual(["grpc://10.0.0.2:8155"]);
  // a holds agent 1's configuration stream and no tunnel: still a candidate (a replica the agent is connected to waits for a tunnel)
  expect(await b.state.replicasOf("1")).toEqual(["grpc://10.0.0.1:8155"]);
  expect(await a.state.replicasOf("2")).toEqual(["grpc://10.0.0.2:8155"]);
  expect(await a.state.replicasOf("3")).toEqual([]); // connected nowhere
  expect(a.state.connectedCount()).toBe(2);
  const keys = redis.cli(["KEYS", "*"]).trim().split("\n");
  expect(keys.length).toBeGreaterThan(0);
  expect(keys.filter((k) => !k.startsWith(`${PREFIX}:`))).toEqual([]);
});

test("GIVEN a huge report and 25 commits WHEN stored THEN kept bounded (200 objects, 20 commits) and presence expires in 30 s", async () => {
  const a = replica("r-a");
  await ready(a);
  a.tracker.streamOpened(agent(1));
  a.tracker.statusReported(agent(1), report("big", 5_000));
  for (let i = 0; i < 25; i++) a.results.record("1", report(`c${String(i).padStart(2, "0")}`));
  await until("25th commit stored", async () => ((await a.state.commits("1")).commits.get("g/manifests")?.at(-1)?.result.commit === "c24" ? true : undefined), 10_000);
  const stored = JSON.parse(redis.cli(["GET", `${PREFIX}:agent:1`])) as { projects: Record<string, { lastReport: { objects: unknown[]; objects_omitted: number } }> };
  expect(stored.projects["g/manifests"]?.lastReport.objects).toHaveLength(200);
  expect(stored.projects["g/manifests"]?.lastReport.objects_omitted).toBe(4_800);
  expect(JSON.parse(redis.cli(["HGET", `${PREFIX}:commits:1`, "g/manifests"]))).toHaveLength(20);
  const ttl = Number(redis.cli(["PTTL", `${PREFIX}:presence:1`]));
  expect(ttl).toBeGreaterThan(0);
  expect(ttl).toBeLessThanOrEqual(30_000);
  expect(Number(redis.cli(["PTTL", `${PREFIX}:agent:1`]))).toBeGreaterThan(0);
});

test("GIVEN a presence entry past its time (a replica that died) THEN the agent is not connected there, and a disconnect removes this replica's entry", async () => {
  const a = replica("r-a");
  await ready(a);
  const close = a.tracker.streamOpened(agent(1));
  await until("presence written", async () => (redis.cli(["HGET", `${PREFIX}:presence:1`, "r-a"]).trim() ? true : undefined), 10_000);
  redis.cli(["HSET", `${PREFIX}:presence:1`, "grpc://dead:8155", `${Date.now() - 1}:3:3`]);
  expect(await a.state.replicasOf("1")).toEqual([]);
  expect((await a.state.agents()).agents[0]?.open_streams).toBe(1);
  close();
  await until("disconnected everywhere", async () => ((await a.state.agents()).agents[0]?.connected === false ? true : undefined), 10_000);
  expect(redis.cli(["HGET", `${PREFIX}:presence:1`, "r-a"]).trim()).toBe("");
});

test("GIVEN 50 agents connected here WHEN presence is refreshed THEN one pipeline of HSET + PEXPIRE per agent (nothing else) moves every entry's expiry, and the agents stay connected on the other replica", async () => {
  const [a, b] = [replica("r-a"), replica("r-b")];
  await Promise.all([ready(a), ready(b)]);
  for (let i = 1; i <= 50; i++) a.tracker.streamOpened(agent(i), i % 2 === 0);
  await until("50 agents written", async () => (redis.cli(["ZCARD", `${PREFIX}:agents`]).trim() === "50" ? true : undefined), 10_000);
  await a.state.flushed?.();
  const expiry = (i: number) => Number(redis.cli(["HGET", `${PREFIX}:presence:${i}`, "r-a"]).split(":")[0]);
  const before = Array.from({ length: 50 }, (_, i) => expiry(i + 1));
  await new Promise((r) => setTimeout(r, 20));
  redis.cli(["CONFIG", "RESETSTAT"]);
  await (a.state as SharedState & { refreshPresence(): Promise<void> }).refreshPresence();
  const calls = Object.fromEntries([...redis.cli(["INFO", "commandstats"]).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)].map((m) => [m[1], Number(m[2])]));
  for (const own of ["config|resetstat", "auth"]) delete calls[own]; // the test's redis-cli
  expect(calls).toEqual({ hset: 50, pexpire: 50 });
  Array.from({ length: 50 }, (_, i) => expect(expiry(i + 1)).toBeGreaterThan(before[i] as number));
  expect(redis.cli(["HGET", `${PREFIX}:presence:2`, "r-a"]).trim()).toMatch(/^\d+:1:1$/);
  expect(Number(redis.cli(["PTTL", `${PREFIX}:presence:7`]))).toBeGreaterThan(25_000);
  const view = await b.state.agents();
  expect(view.agents.filter((x) => x.connected)).toHaveLength(50);
  expect(await b.state.replicasOf("2")).toEqual(["r-a"]);
});

test("GIVEN Redis stopped WHEN the replica changes THEN reads say unavailable with its own view, one key per change kept; WHEN Redis returns THEN it writes them again", async () => {
  const [a, b] = [replica("r-a"), replica("r-b")];
  await Promise.all([ready(a), ready(b)]);
  await redis.stop();
  await until("a sees Redis gone", async () => (a.redis.ready() ? undefined : true), 10_000);
  a.tracker.streamOpened(agent(7));
  for (let i = 0; i < 100; i++) a.tracker.statusReported(agent(7), report(`c${i}`));
  for (let i = 0; i < 100; i++) a.results.record("7", report(`c${i}`));
  const down = await a.state.agents();
  expect(down.status).toBe("unavailable");
  expect(down.agents.map((x) => x.name)).toEqual(["agent-7"]);
  expect((await a.state.commits("7")).status).toBe("unavailable");
  expect(await a.state.replicasOf("7")).toEqual([]);
  await redis.start();
  const v = await until("b sees a's agent after Redis returned", async () => {
    const x = await b.state.agents();
    return x.status === "shared" && x.agents[0]?.projects["g/manifests"]?.lastReport?.commit_id === "c99" ? x : undefined;
  }, 30_000);
  expect(v.agents[0]?.connected).toBe(true);
  expect((await b.state.commits("7")).commits.get("g/manifests")).toHaveLength(20);
});

test("GIVEN two replicas competing for a poll lease THEN one holds it; WHEN the holder releases THEN the other takes it; a refresh published by one reaches the other only", async () => {
  const [a, b] = [connectRedis(config, silentLogger), connectRedis(config, silentLogger)];
  const la = new PollLeases(a, "r-a", 600);
  const lb = new PollLeases(b, "r-b", 600);
  const heard: string[] = [];
  const busA = new RefreshBus(a, "r-a", (p) => heard.push(`a:${p}`), silentLogger);
  const busB = new RefreshBus(b, "r-b", (p) => heard.push(`b:${p}`), silentLogger);
  try {
    await until("connected", async () => (a.ready() && b.ready() ? true : undefined), 10_000);
    la.mayPoll("g/m\nbranch main");
    await until("a holds", async () => (la.mayPoll("g/m\nbranch main") ? true : undefined), 5_000, undefined, 20);
    lb.mayPoll("g/m\nbranch main");
    await new Promise((r) => setTimeout(r, 1_000));
    expect([la.mayPoll("g/m\nbranch main"), lb.mayPoll("g/m\nbranch main")]).toEqual([true, false]);
    la.release("g/m\nbranch main");
    await until("b takes over within the TTL", async () => (lb.mayPoll("g/m\nbranch main") ? true : undefined), 2_000, undefined, 20);
    await until("subscribed", async () => (redis.cli(["PUBSUB", "NUMSUB", `${PREFIX}:refresh`]).includes("2") ? true : undefined), 5_000);
    busA.publish("g/m");
    await until("b heard", async () => (heard.length > 0 ? true : undefined), 5_000, undefined, 20);
    await new Promise((r) => setTimeout(r, 200));
    expect(heard).toEqual(["b:g/m"]);
    // Without Redis no one can coordinate: every replica polls (its agents keep syncing).
    await redis.stop();
    await until("Redis gone", async () => (a.ready() || b.ready() ? undefined : true), 10_000);
    expect([la.mayPoll("g/m\nbranch main"), lb.mayPoll("g/m\nbranch main")]).toEqual([true, true]);
    await redis.start();
  } finally {
    la.close();
    lb.close();
    busA.close();
    busB.close();
    await a.close();
    await b.close();
  }
});

test("GIVEN a wrong password THEN kas never counts Redis as up, answers its own view as unavailable, and its log never holds the password", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "kas-redis-wrong-"));
  writeFileSync(path.join(dir, "password"), "not-the-password-xyz");
  const lines: string[] = [];
  const conns = connectRedis({ ...config, passwordFile: path.join(dir, "password") }, createLogger({ level: "debug", write: (l) => void lines.push(l) }, { component: "kas" }));
  const tracker = new AgentTracker();
  const state = redisSharedState({ redis: conns, replicaId: "r-wrong", logger: silentLogger })(localStateOf(tracker, new CommitResults()));
  try {
    tracker.streamOpened(agent(3));
    await until("the refusal logged", async () => (lines.some((l) => /WRONGPASS|NOAUTH|invalid/i.test(l)) ? true : undefined), 10_000);
    expect(conns.ready()).toBe(false);
    const view = await state.agents();
    expect([view.status, view.agents.map((a) => a.name)]).toEqual(["unavailable", ["agent-3"]]);
    expect(lines.join("\n")).not.toContain("not-the-password-xyz");
  } finally {
    await state.close();
    await conns.close();
  }
});
