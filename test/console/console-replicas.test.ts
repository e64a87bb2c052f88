/**
 * The console behind a load balancer: two kas PROCESSES (bin/kas) sharing one
 * real redis-server. A browser signed in on A is signed in on B; signing out
 * on A signs it out on B; restarting A keeps it; Redis holds no usable cookie.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { hashToken } from "../../runtime/kas/registry";
import { freePorts } from "../cluster/ports";
import { removeDir, tempDir } from "../git";
import { newToken, startKasReplica, type KasReplica } from "../kas";
import { startTestRedis, type TestRedis } from "../redis";

const API_TOKEN = "replicas-console-token";
const PREFIX = "console-replicas";
let dir: string;
let redis: TestRedis;
const replicas: KasReplica[] = [];

const base = (r: KasReplica): string => `http://127.0.0.1:${r.ports.api}`;
const signIn = (r: KasReplica): Promise<Response> =>
  fetch(`${base(r)}/sign-in`, { method: "POST", redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ token: API_TOKEN, next: "/" }).toString() });
const get = (r: KasReplica, p: string, cookie: string): Promise<number> => fetch(`${base(r)}${p}`, { headers: { cookie } }).then(async (res) => (await res.arrayBuffer(), res.status));

beforeAll(async () => {
  dir = await tempDir("console-replicas-");
  redis = await startTestRedis();
  writeFileSync(path.join(dir, "agents.yaml"), `agents:\n  - { id: 1, name: a1, config_project: g/config, tokens: [{ sha256: ${hashToken(newToken())} }] }\n`);
  writeFileSync(path.join(dir, "api-token"), API_TOKEN);
  writeFileSync(path.join(dir, "webhook-secret"), "replicas-webhook-secret");
  const ports = await freePorts(8);
  for (let r = 0; r < 2; r++) {
    const rdir = path.join(dir, `kas-${r}`);
    mkdirSync(rdir);
    const [grpc, api, webhook, observability] = ports.slice(r * 4, r * 4 + 4) as [number, number, number, number];
    replicas.push(
      await startKasReplica(`kas-${r}`, rdir, { grpc, api, webhook, observability }, {
        agents: { registry: "file", file: "../agents.yaml" },
        git: { cache_dir: "cache", poll_period: "10m" },
        projects: [],
        webhook: { secret_file: "../webhook-secret" },
        api: { token_file: "../api-token" },
        redis: { server: { address: `127.0.0.1:${redis.port}` }, key_prefix: PREFIX },
      }),
    );
  }
}, 180_000);

afterAll(async () => {
  for (const r of replicas) await r.stop("SIGKILL");
  await redis?.close();
  if (dir) await removeDir(dir);
});

test("GIVEN a sign-in on A THEN B accepts its cookie, a restart of A keeps it, a sign-out on A ends it on B; Redis never holds the cookie", async () => {
  const [a, b] = replicas as [KasReplica, KasReplica];
  const res = await signIn(a);
  expect(res.status).toBe(303);
  const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0] as string;
  const id = cookie.split("=")[1] as string;
  expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(await get(b, "/", cookie)).toBe(200);
  expect(await get(b, "/api/v1/agents", cookie)).toBe(200);
  // Nothing in Redis is the cookie: the key is its SHA-256.
  const keys = redis.cli(["--scan", "--pattern", "*"]);
  expect(keys).toMatch(new RegExp(`^${PREFIX}:console:session:[0-9a-f]{64}$`, "m"));
  const values = keys.split("\n").filter(Boolean).map((k) => (redis.cli(["type", k]).trim() === "string" ? redis.cli(["get", k]) : redis.cli(["zrange", k, "0", "-1"]))).join("\n");
  expect(`${keys}\n${values}`).not.toContain(id);
  // A restart keeps the session.
  await a.stop();
  await a.start();
  expect(await get(a, "/", cookie)).toBe(200);
  // Sign-out on A: A refuses at once; B (which cached the session) at once through pub/sub, at the latest after its 5 s cache.
  expect((await fetch(`${base(a)}/sign-out`, { method: "POST", redirect: "manual", headers: { cookie } })).status).toBe(303);
  expect(await get(a, "/api/v1/agents", cookie)).toBe(401);
  const deadline = Date.now() + 5_500;
  let status = await get(b, "/api/v1/agents", cookie);
  while (status !== 401 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    status = await get(b, "/api/v1/agents", cookie);
  }
  expect(status).toBe(401);
  expect(await get(b, "/", cookie)).toBe(401);
}, 120_000);

test("GIVEN Redis is away THEN signing in answers 503 with a clear message (no crash) and works again once it is back", async () => {
  const [a] = replicas as [KasReplica];
  await redis.stop();
  try {
    const res = await signIn(a);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ error: expect.stringContaining("console sessions unavailable") as unknown });
  } finally {
    await redis.start();
  }
  const deadline = Date.now() + 20_000;
  let status = 0;
  while (status !== 303 && Date.now() < deadline) {
    status = (await signIn(a)).status;
    if (status !== 303) await new Promise((r) => setTimeout(r, 250));
  }
  expect(status).toBe(303);
}, 60_000);
