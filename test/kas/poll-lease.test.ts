/**
 * Issue 20 item 3: one poller per remote (project, ref) across replicas. Two
 * kas in this process (startKas, real listeners) share a real redis-server
 * and poll a smart-HTTP repository every 300 ms: one holds the lease and
 * polls, the commit it finds reaches the other through Redis (no webhook);
 * when the holder stops, the other takes the lease within its TTL.
 */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { silentLogger } from "../../runtime/common";
import { parseKasConfig, startKas, type Kas } from "../../runtime/kas";
import { commitFiles, makeRepo, removeDir, startGitHttpServer, tempDir, type GitHttpServer } from "../git";
import { startTestRedis, type TestRedis } from "../redis";
import { until } from "../until";

const LEASE_TTL_MS = 1_500;
let dir: string;
let redis: TestRedis;
let git: GitHttpServer;
let repo: string;
const kases: Kas[] = [];
const seen: string[][] = [[], []];

const held = async (k: Kas): Promise<number> => Number(/^kas_git_poll_leases_held (\d+)$/m.exec(await k.metrics.render())?.[1] ?? NaN);

beforeAll(async () => {
  dir = await tempDir("kas-lease-");
  redis = await startTestRedis();
  repo = path.join(dir, "git", "g", "m.git");
  await makeRepo(repo, { "a.yaml": "a: 0\n" });
  git = await startGitHttpServer({ root: path.join(dir, "git") });
  writeFileSync(path.join(dir, "agents.yaml"), stringify({ agents: [] }));
  for (const r of [0, 1]) {
    const text = stringify({
      listen: { grpc: "127.0.0.1:0", observability: "127.0.0.1:0" },
      agents: { registry: "file", file: "agents.yaml" },
      git: { cache_dir: `cache-${r}`, poll_period: "300ms" },
      projects: [{ id: "g/m", url: `${git.url}/g/m.git` }],
      redis: { server: { address: `127.0.0.1:${redis.port}` }, key_prefix: "lease-test" },
    });
    const kas = await startKas(parseKasConfig(text, path.join(dir, `kas-${r}.yaml`)), { logger: silentLogger, replicaId: `replica-${r}`, pollLeaseTtlMs: LEASE_TTL_MS });
    kases.push(kas);
    kas.watcher.subscribe("g/m", {}, (c) => seen[r]?.push(c));
  }
}, 60_000);

afterAll(async () => {
  for (const k of kases) await k.close().catch(() => undefined);
  await git?.stop();
  await redis?.close();
  await removeDir(dir);
});

test("GIVEN two replicas watching one remote ref THEN one holds the lease; its poll's new commit reaches the other without a webhook; WHEN it stops THEN the other takes over", async () => {
  const [a, b] = kases as [Kas, Kas];
  const holders = await until("one lease holder", async () => {
    const h = [await held(a), await held(b)];
    return h[0]! + h[1]! === 1 ? h : undefined;
  }, 10_000);
  // Stays one: the other does not take it while the holder renews.
  await new Promise((r) => setTimeout(r, LEASE_TTL_MS * 2));
  expect([await held(a), await held(b)]).toEqual(holders);
  const holder = holders[0] === 1 ? 0 : 1;
  const other = 1 - holder;
  const c1 = await commitFiles(repo, { "a.yaml": "a: 1\n" });
  await until("both replicas see c1", async () => (seen[0]!.includes(c1) && seen[1]!.includes(c1) ? true : undefined), 15_000);
  await kases[holder]!.close();
  await until("the other replica holds the lease", async () => ((await held(kases[other]!)) === 1 ? true : undefined), LEASE_TTL_MS * 3);
  const c2 = await commitFiles(repo, { "a.yaml": "a: 2\n" });
  await until("the new holder polls c2 itself", async () => (seen[other]!.includes(c2) ? true : undefined), 15_000);
}, 90_000);
