/**
 * Issue 20: three kas PROCESSES (bin/kas, one kas.yaml each, same registry
 * and projects) sharing one real redis-server, and 20 agents (real gRPC
 * clients holding GetConfiguration streams, as agentk does) spread over
 * them. The config project is remote (smart HTTP) and polled every 10 min,
 * so a commit reaches an agent only through a push webhook and the replicas'
 * refresh channel (or, without Redis, the webhook on its own replica).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { stringify } from "yaml";
import { bearerMetadata, createClients, type Clients, type ConfigurationResponse } from "../../runtime/rpc";
import { hashToken } from "../../runtime/kas/registry";
import { freePorts } from "../cluster/ports";
import { commitFiles, makeRepo, removeDir, startGitHttpServer, tempDir, type GitHttpServer } from "../git";
import { startTestRedis, type TestRedis } from "../redis";
import { until } from "../until";
import { newToken, record, type Recorded } from "./index";
import { startKasReplica, type KasReplica } from "./kas-replica";

/** The issue says 30 s; the test stops Redis this long (a parameter, to keep the run short on a shared machine). */
const REDIS_OUTAGE_MS = Number(process.env.KAS_REPLICAS_REDIS_OUTAGE_MS ?? 10_000);
const AGENTS = 20;
const SECRET = "hook-secret";
const names = Array.from({ length: AGENTS }, (_, i) => `agent-${String(i).padStart(2, "0")}`);
const tokens = names.map(() => newToken());
const configFiles = (ns: string) => Object.fromEntries(names.map((n) => [`.gitlab/agents/${n}/config.yaml`, `gitops:\n  manifest_projects: [{id: g/config, default_namespace: ${ns}-${n}}]\n`]));

interface SimAgent {
  readonly index: number;
  clients: Clients;
  stream: Recorded<ConfigurationResponse>;
}

let dir: string;
let redis: TestRedis;
let git: GitHttpServer;
let repo: string;
const replicas: KasReplica[] = [];
const agents: SimAgent[] = [];
const commits: string[] = [];

const replicaOf = (i: number): KasReplica => replicas[i % replicas.length] as KasReplica;
function connect(i: number): SimAgent {
  const clients = createClients(`127.0.0.1:${replicaOf(i).ports.grpc}`, grpc.credentials.createInsecure(), { "grpc.use_local_subchannel_pool": 1 });
  const stream = record(clients.configuration.GetConfiguration({ commit_id: "", agent_meta: { version: "sim", commit_id: "", pod_namespace: "sim", pod_name: names[i] as string } }, bearerMetadata(tokens[i] as string)));
  return { index: i, clients, stream };
}
const received = (a: SimAgent, commit: string): Promise<unknown> => until(`${names[a.index]} gets ${commit.slice(0, 8)}`, async () => (a.stream.items.some((m) => m.commit_id === commit) ? true : undefined), 60_000, () => replicaOf(a.index).output().slice(-3000), 100);
function report(a: SimAgent, commit: string): Promise<void> {
  const r = { project_id: "g/config", commit_id: commit, success: true, error: "", objects: [], started_at_unix_ms: Date.now(), finished_at_unix_ms: Date.now() };
  return new Promise((resolve, reject) => a.clients.status.ReportSyncStatus(r, bearerMetadata(tokens[a.index] as string), {}, (err) => (err ? reject(err) : resolve())));
}
const push = async (ns: string): Promise<string> => {
  const c = await commitFiles(repo, configFiles(ns));
  commits.push(c);
  return c;
};
const webhook = (r: KasReplica) =>
  fetch(`http://127.0.0.1:${r.ports.webhook}/api/v1/webhooks/push`, { method: "POST", headers: { "x-gitlab-token": SECRET, "content-type": "application/json" }, body: JSON.stringify({ project: { path_with_namespace: "g/config" } }) });
const agentsOf = async (r: KasReplica) => (await r.getJson("/api/v1/agents")).body;
/** Every replica's whole agents API body, once they are all the same and `ok` holds. */
async function converged(what: string, ok: (body: Record<string, unknown>) => boolean, timeoutMs = 60_000): Promise<Record<string, unknown>> {
  let last: string[] = [];
  return until(
    what,
    async () => {
      const bodies = await Promise.all(replicas.map(agentsOf));
      last = bodies.map((b) => JSON.stringify(b));
      return last.every((t) => t === last[0]) && ok(bodies[0] as Record<string, unknown>) ? (bodies[0] as Record<string, unknown>) : undefined;
    },
    timeoutMs,
    () => `last answers:\n${last.map((t) => t.slice(0, 1500)).join("\n")}`,
  );
}
type ApiAgent = { name: string; connected: boolean; open_streams: number; projects: Record<string, { lastReport?: { commit_id: string } }> };
const list = (body: Record<string, unknown>) => body.agents as ApiAgent[];

beforeAll(async () => {
  dir = await tempDir("kas-replicas-");
  redis = await startTestRedis({ password: "redis-pw" });
  repo = path.join(dir, "git", "g", "config.git");
  commits.push(await makeRepo(repo, configFiles("c0")));
  git = await startGitHttpServer({ root: path.join(dir, "git") });
  writeFileSync(path.join(dir, "agents.yaml"), stringify({ agents: names.map((n, i) => ({ id: String(100 + i), name: n, config_project: "g/config", tokens: [{ sha256: hashToken(tokens[i] as string) }] })) }));
  writeFileSync(path.join(dir, "secret"), SECRET);
  writeFileSync(path.join(dir, "redis-password"), "redis-pw");
  const ports = await freePorts(12);
  for (let r = 0; r < 3; r++) {
    const rdir = path.join(dir, `kas-${r}`);
    mkdirSync(rdir);
    const [grpcPort, api, hook, obs] = ports.slice(r * 4, r * 4 + 4) as [number, number, number, number];
    replicas.push(
      await startKasReplica(`kas-${r}`, rdir, { grpc: grpcPort, api, webhook: hook, observability: obs }, {
        agents: { registry: "file", file: "../agents.yaml" },
        git: { cache_dir: "cache", poll_period: "10m" },
        projects: [{ id: "g/config", url: `${git.url}/g/config.git` }],
        webhook: { secret_file: "../secret" },
        redis: { server: { address: `127.0.0.1:${redis.port}` }, password_file: "../redis-password", key_prefix: "replicas-test" },
      }),
    );
  }
  for (let i = 0; i < AGENTS; i++) agents.push(connect(i));
  await Promise.all(agents.map((a) => received(a, commits[0] as string)));
}, 240_000);

afterAll(async () => {
  for (const a of agents) {
    a.stream.cancel();
    a.clients.close();
  }
  for (const r of replicas) await r.stop("SIGKILL");
  await git?.stop();
  await redis?.close();
  await removeDir(dir);
});

test("GIVEN 20 agents spread over 3 replicas, each reporting THEN the agents API is identical on all three: 20 connected, each with its report", async () => {
  await Promise.all(agents.map((a) => report(a, commits[0] as string)));
  const body = await converged("identical agents API with 20 reports", (b) => list(b).length === AGENTS && list(b).every((a) => a.connected && a.projects["g/config"]?.lastReport?.commit_id === commits[0]));
  expect(body.shared_state).toBe("available");
  expect(list(body).map((a) => a.name)).toEqual(names);
  for (const r of replicas) expect(await r.metrics()).toMatch(/^kas_agents_connected 20$/m);
  // One poller of the config project for all three replicas.
  const leases = await until("one poll lease among the replicas", async () => {
    const held = await Promise.all(replicas.map(async (r) => Number(/^kas_git_poll_leases_held (\d+)$/m.exec(await r.metrics())?.[1])));
    return held.reduce((a, b) => a + b, 0) === 1 ? held : undefined;
  }, 20_000);
  expect(leases.filter((n) => n === 1)).toHaveLength(1);
}, 120_000);

test("GIVEN a push webhook to replica 0 only THEN agents connected to replicas 1 and 2 get the new commit", async () => {
  const c1 = await push("c1");
  expect((await webhook(replicas[0] as KasReplica)).status).toBe(202);
  await Promise.all(agents.filter((a) => a.index % 3 !== 0).map((a) => received(a, c1)));
  await Promise.all(agents.map((a) => report(a, c1)));
}, 120_000);

test("GIVEN every replica restarted THEN reports and per-commit results survive (from Redis) before any agent reconnects", async () => {
  for (const a of agents) {
    a.stream.cancel();
    a.clients.close();
  }
  await Promise.all(replicas.map((r) => r.stop("SIGTERM")));
  for (const r of replicas) await r.start();
  const c1 = commits[1] as string;
  const body = await converged("reports after restart", (b) => list(b).length === AGENTS && list(b).every((a) => !a.connected && a.projects["g/config"]?.lastReport?.commit_id === c1));
  expect(body.shared_state).toBe("available");
  // Per-commit results (commit_status's source) of every agent: both commits, newest last.
  for (let i = 0; i < AGENTS; i++) {
    const stored = JSON.parse(redis.cli(["HGET", `replicas-test:commits:${100 + i}`, "g/config"])) as { result: { commit: string; state: string } }[];
    expect(stored.map((e) => [e.result.commit, e.result.state])).toEqual([[commits[0], "succeeded"], [c1, "succeeded"]]);
  }
  agents.splice(0, agents.length, ...agents.map((a) => connect(a.index)));
  await Promise.all(agents.map((a) => received(a, c1)));
  await converged("20 connected again", (b) => list(b).filter((a) => a.connected).length === AGENTS);
}, 240_000);

test(`GIVEN Redis stopped for ${REDIS_OUTAGE_MS / 1000} s (issue: 30 s) THEN connected agents keep syncing a new commit, reads say the view is partial; WHEN Redis returns (empty) THEN the replicas converge`, async () => {
  const started = Date.now();
  await redis.stop();
  const c2 = await push("c2");
  // Without Redis no refresh crosses replicas: each replica hears the webhook itself.
  for (const r of replicas) expect((await webhook(r)).status).toBe(202);
  await Promise.all(agents.map((a) => received(a, c2)));
  await Promise.all(agents.map((a) => report(a, c2)));
  const partial = await agentsOf(replicas[1] as KasReplica);
  expect(partial.shared_state).toBe("unavailable");
  expect(list(partial).map((a) => a.name)).toEqual(names.filter((_n, i) => i % 3 === 1));
  const page = await (await fetch(`http://127.0.0.1:${replicas[1]!.ports.api}/`)).text();
  expect(page).toContain("Shared state (Redis) is unavailable");
  expect(await replicas[1]!.metrics()).toMatch(/^kas_redis_up 0$/m);
  await new Promise((r) => setTimeout(r, Math.max(0, REDIS_OUTAGE_MS - (Date.now() - started))));
  await redis.start();
  const body = await converged("views converged after Redis returned", (b) => b.shared_state === "available" && list(b).length === AGENTS && list(b).every((a) => a.connected && a.projects["g/config"]?.lastReport?.commit_id === c2));
  expect(list(body).map((a) => a.name)).toEqual(names);
  for (const r of replicas) expect(await r.metrics()).toMatch(/^kas_redis_up 1$/m);
}, 240_000);
