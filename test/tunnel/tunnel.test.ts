/**
 * The reverse tunnel end to end: a real kas, agentk's tunnel pool in-process,
 * requests through it to the real test cluster's apiserver as the agent's
 * ServiceAccount.
 */
import { startTestCluster, type TestCluster } from "../cluster";
import { grantAgent } from "../agentk/rbac";
import { AGENT_NS } from "../agentk/scenario";
import { newToken, startTestKas, type TestKas } from "../kas";
import { until } from "../until";
import { bigConfigMaps, getHead, startPool, tunnelGet, type TestPool } from "./harness";

/** Messages kas's stream buffers (16 of 32 KiB) plus both HTTP/2 windows and agentk's write buffer: far below the LIST's size. */
const IN_FLIGHT_CAP = 2 * 1024 * 1024;

let cluster: TestCluster;
let kas: TestKas;
let kubeconfig: string;
const agents = [
  { name: "grpc-agent", id: "1", configProject: "group/a", tokens: [newToken()] },
  { name: "ws-agent", id: "2", configProject: "group/a", tokens: [newToken()] },
  { name: "doomed-agent", id: "3", configProject: "group/a", tokens: [newToken()] },
  { name: "revoked-agent", id: "4", configProject: "group/a", tokens: [newToken()] },
  { name: "bounded-agent", id: "5", configProject: "group/a", tokens: [newToken()] },
  { name: "greedy-agent", id: "6", configProject: "group/a", tokens: [newToken()] },
];
const pools: TestPool[] = [];
const token = (i: number): string => agents[i]?.tokens[0] as string;
const idle = (id: string, n: number) => async () => (kas.kas.tunnels.counts(id).idle === n ? true : undefined);

beforeAll(async () => {
  cluster = await startTestCluster();
  kubeconfig = await grantAgent(cluster, AGENT_NS, "agentk", ["dude"]);
  await cluster.kubectl(["create", "namespace", "naww"]);
  await cluster.kubectl(["create", "configmap", "-n", "dude", "hello", "--from-literal=greeting=dude"]);
  kas = await startTestKas({ agents, projects: [] });
  pools.push(await startPool(kas, token(0), kubeconfig, "grpc"));
  pools.push(await startPool(kas, token(1), kubeconfig, "ws"));
  await until("4 idle tunnels per agent", async () => ((await idle("1", 4)()) && (await idle("2", 4)())) || undefined, 20_000);
}, 240_000);

afterAll(async () => {
  for (const p of pools) await p.stop();
  await kas?.stop();
  await cluster?.stop();
});

describe.each([
  ["gRPC", "1", 0],
  ["gRPC over WebSocket", "2", 1],
])("over %s", (_name, id, poolIndex) => {
  test("a GET returns what the apiserver says; a 403 body for naww passes through unchanged", async () => {
    const kube = (pools[poolIndex] as TestPool).kube;
    const ok = await tunnelGet(kas, id, "/api/v1/namespaces/dude/configmaps");
    expect(ok.head.status).toBe(200);
    const direct = await kube.raw("GET", "/api/v1/namespaces/dude/configmaps");
    const names = (body: string) => (JSON.parse(body) as { items: { metadata: { name: string } }[] }).items.map((i) => i.metadata.name).sort();
    expect(names(ok.body)).toEqual(names(direct.body));
    expect(names(ok.body)).toContain("hello");
    const denied = await tunnelGet(kas, id, "/api/v1/namespaces/naww/configmaps");
    const deniedDirect = await kube.raw("GET", "/api/v1/namespaces/naww/configmaps");
    expect([denied.head.status, denied.body]).toEqual([403, deniedDirect.body]);
    expect(denied.body).toContain('system:serviceaccount:gitlab-k8s-agent:agentk\\" cannot list resource \\"configmaps\\"');
    expect(denied.head.headers.find((h) => h.name === "content-type")?.values).toEqual(["application/json"]);
    await until("the used tunnels replaced", idle(id, 4), 10_000);
  });
});

test("a watch streams events as they happen; cancelling the caller frees the tunnel on both sides", async () => {
  const pool = (pools[0] as TestPool).pool;
  const list = await tunnelGet(kas, "1", "/api/v1/namespaces/dude/configmaps");
  const rv = (JSON.parse(list.body) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
  const tunnel = await kas.kas.tunnels.acquire("1");
  const caller = new AbortController();
  const res = await tunnel.request(getHead(`/api/v1/namespaces/dude/configmaps?watch=1&resourceVersion=${rv}`), undefined, caller.signal);
  expect(res.head.status).toBe(200);
  expect(kas.kas.tunnels.counts("1").inUse).toBe(1);
  expect(pool.stats.open).toBe(1);
  const events: string[] = [];
  const reading = (async () => {
    let text = "";
    for await (const chunk of res.body) {
      text += chunk.toString("utf8");
      const lines = text.split("\n");
      text = lines.pop() ?? "";
      for (const l of lines) {
        const e = JSON.parse(l) as { type: string; object: { metadata: { name: string } } };
        events.push(`${e.type} ${e.object.metadata.name}`);
      }
    }
  })();
  await cluster.kubectl(["create", "configmap", "-n", "dude", "watched-1"]);
  await until("ADDED watched-1", async () => (events.includes("ADDED watched-1") ? true : undefined), 10_000, undefined, 50);
  await cluster.kubectl(["create", "configmap", "-n", "dude", "watched-2"]);
  await until("ADDED watched-2", async () => (events.includes("ADDED watched-2") ? true : undefined), 10_000, undefined, 50);
  caller.abort();
  await expect(reading).rejects.toThrow(/closed|cancel/);
  await until("kas: no tunnel in use", async () => (kas.kas.tunnels.counts("1").inUse === 0 ? true : undefined), 10_000, undefined, 50);
  await until("agentk: no request open", async () => (pool.stats.open === 0 ? true : undefined), 10_000, undefined, 50);
  await until("4 idle again", idle("1", 4), 10_000);
});

test("20 concurrent requests through 4 tunnels all complete", async () => {
  const pool = (pools[0] as TestPool).pool;
  const served = pool.stats.served;
  const results = await Promise.all(Array.from({ length: 20 }, () => tunnelGet(kas, "1", "/api/v1/namespaces/dude/configmaps/hello")));
  expect(results.map((r) => r.head.status)).toEqual(Array(20).fill(200));
  expect(results.every((r) => r.body.includes('"greeting":"dude"'))).toBe(true);
  expect(pool.stats.served - served).toBe(20);
  await until("4 idle again, none in use", async () => (JSON.stringify(kas.kas.tunnels.counts("1")) === JSON.stringify({ idle: 4, inUse: 0, waiting: 0 }) ? true : undefined), 10_000, () => JSON.stringify(kas.kas.tunnels.counts("1")));
});

test("the agent going away mid-request fails the caller cleanly, and its tunnels leave the registry", async () => {
  const doomed = await startPool(kas, token(2), kubeconfig, "grpc", 2);
  await until("2 idle tunnels", idle("3", 2), 10_000);
  const tunnel = await kas.kas.tunnels.acquire("3");
  const res = await tunnel.request(getHead("/api/v1/namespaces/dude/configmaps?watch=1"));
  expect(res.head.status).toBe(200);
  const reading = (async () => {
    for await (const _chunk of res.body) void _chunk;
  })();
  await doomed.stop();
  await expect(reading).rejects.toThrow(/agent 3's tunnel (closed|ended mid-response)/);
  await until("no tunnels of agent 3", async () => (JSON.stringify(kas.kas.tunnels.counts("3")) === JSON.stringify({ idle: 0, inUse: 0, waiting: 0 }) ? true : undefined), 10_000);
  await expect(kas.kas.tunnels.acquire("3", { timeoutMs: 200 })).rejects.toThrow("agent 3 is not connected");
});

test("an agent connected with every tunnel taken: acquire fails clearly after its timeout, and gets a tunnel that comes back", async () => {
  // Taken but not yet sent a request: the agent has not replaced them.
  const taken = await Promise.all(Array.from({ length: 4 }, () => kas.kas.tunnels.acquire("2")));
  expect(kas.kas.tunnels.counts("2")).toEqual({ idle: 0, inUse: 4, waiting: 0 });
  await expect(kas.kas.tunnels.acquire("2", { timeoutMs: 300 })).rejects.toThrow("agent 2 has no connected tunnel (waited 300 ms)");
  const waiting = kas.kas.tunnels.acquire("2", { timeoutMs: 10_000 });
  for (const t of taken) t.cancel();
  const late = await waiting;
  const res = await late.request(getHead("/api/v1/namespaces/dude/configmaps/hello"));
  expect(res.head.status).toBe(200);
  for await (const _chunk of res.body) void _chunk;
  await until("4 idle again", idle("2", 4), 10_000);
});

test("a revoked token loses its tunnels, idle and in use", async () => {
  const revoked = await startPool(kas, token(3), kubeconfig, "grpc", 2);
  try {
    await until("2 idle tunnels", idle("4", 2), 10_000);
    const tunnel = await kas.kas.tunnels.acquire("4");
    const res = await tunnel.request(getHead("/api/v1/namespaces/dude/configmaps?watch=1"));
    const reading = (async () => {
      for await (const _chunk of res.body) void _chunk;
    })();
    kas.writeAgents(agents.map((a) => (a.id === "4" ? { ...a, tokens: [], revoked: a.tokens } : a)));
    await expect(reading).rejects.toThrow(/agent 4's tunnel/);
    await until("no tunnels of agent 4", async () => (JSON.stringify(kas.kas.tunnels.counts("4")) === JSON.stringify({ idle: 0, inUse: 0, waiting: 0 }) ? true : undefined), 10_000);
    await until("agentk told why", async () => (revoked.logs.join("").includes("UNAUTHENTICATED") ? true : undefined), 10_000);
    expect(revoked.pool.stats.open).toBe(0);
  } finally {
    await revoked.stop();
  }
});

test("agentk serves at most maxOpen requests at once: it opens no new tunnel until one ends", async () => {
  const bounded = await startPool(kas, token(4), kubeconfig, "grpc", 2, 2);
  try {
    await until("2 idle tunnels", idle("5", 2), 10_000);
    const callers = [new AbortController(), new AbortController()];
    for (const c of callers) {
      const t = await kas.kas.tunnels.acquire("5");
      const res = await t.request(getHead("/api/v1/namespaces/dude/configmaps?watch=1"), undefined, c.signal);
      expect(res.head.status).toBe(200);
    }
    await new Promise((r) => setTimeout(r, 500));
    expect([kas.kas.tunnels.counts("5"), bounded.pool.stats.open]).toEqual([{ idle: 0, inUse: 2, waiting: 0 }, 2]);
    callers[0]?.abort();
    await until("a tunnel again after one request ended", idle("5", 1), 10_000);
  } finally {
    await bounded.stop();
  }
});

test("kas's bounds: at most 16 idle tunnels per agent (the rest refused), at most 64 requests in use or waiting (the next fails at once)", async () => {
  const greedy = await startPool(kas, token(5), kubeconfig, "grpc", 20);
  const stop = new AbortController();
  try {
    await until("16 idle tunnels", idle("6", 16), 10_000);
    await until("the agent told why the rest were refused", async () => (greedy.logs.join("").includes("at most 16 (agent_connections.max_idle_tunnels_per_agent") ? true : undefined), 10_000);
    expect(kas.kas.tunnels.counts("6").idle).toBe(16);
    const taken = await Promise.all(Array.from({ length: 16 }, () => kas.kas.tunnels.acquire("6")));
    const waiting = Array.from({ length: 48 }, () => kas.kas.tunnels.acquire("6", { signal: stop.signal, timeoutMs: 10_000 }).then((t) => t.cancel(), () => undefined));
    expect(kas.kas.tunnels.counts("6")).toMatchObject({ inUse: 16 });
    expect(kas.kas.tunnels.counts("6").inUse + kas.kas.tunnels.counts("6").waiting).toBe(64);
    await expect(kas.kas.tunnels.acquire("6")).rejects.toThrow("agent 6 already has 64 requests in flight; at most 64");
    stop.abort();
    for (const t of taken) t.cancel();
    await Promise.all(waiting);
  } finally {
    await greedy.stop();
  }
});

test("a slow reader of a large LIST: bytes between the agent and the caller stay bounded (kas buffers at most that)", async () => {
  const files = await bigConfigMaps(cluster, 4, 100, 16 * 1024);
  for (const f of files) await cluster.kubectl(["create", "-f", f]);
  const pool = (pools[0] as TestPool).pool;
  const sentBefore = pool.stats.bytesSent;
  const tunnel = await kas.kas.tunnels.acquire("1");
  const res = await tunnel.request(getHead("/api/v1/namespaces/dude/configmaps"));
  let consumed = 0;
  let maxInFlight = 0;
  for await (const chunk of res.body) {
    consumed += chunk.length;
    maxInFlight = Math.max(maxInFlight, pool.stats.bytesSent - sentBefore - consumed);
    await new Promise((r) => setTimeout(r, 5));
  }
  console.log(`slow LIST: ${consumed} bytes read; at most ${maxInFlight} bytes in flight between agentk and the caller`);
  expect(consumed).toBeGreaterThan(6 * 1024 * 1024);
  expect(maxInFlight).toBeLessThan(IN_FLIGHT_CAP);
});
