/**
 * The console's sessions in a real redis-server (kas.yaml `redis`): what one
 * replica opens another accepts, a sign-out ends it everywhere (and the live
 * streams of it elsewhere), a new replica (a restart) keeps it, the count is
 * bounded across replicas, and nothing in Redis is a usable credential.
 */
import { createHash } from "node:crypto";
import { silentLogger } from "../../runtime/common";
import type { RedisConfig } from "../../runtime/kas/config";
import { RedisSessions, type SessionStore } from "../../runtime/kas/console";
import { connectRedis, type RedisConnections } from "../../runtime/kas/shared";
import { until } from "../until";
import { startTestRedis, type TestRedis } from ".";

const PREFIX = "sessions-test";
const SECRET = "shared-replica-secret";
const GITLAB_TOKEN = "glpat-VerySecretAccessToken0123";
const alice = { kind: "gitlab-user" as const, username: "alice", accessToken: GITLAB_TOKEN };

let redis: TestRedis;
let config: RedisConfig;
const open: { store: SessionStore; conns: RedisConnections }[] = [];

/** A clock that moves at least 1 ms a reading: sign-ins in one millisecond would tie in the index (the oldest is then the smallest hash). */
let tick = 0;
const clock = (): number => Date.now() + ++tick;

async function replica(options: { secret?: string; maxSessions?: number; cacheMs?: number } = {}): Promise<RedisSessions> {
  const conns = connectRedis(config, silentLogger);
  await until("redis ready", async () => (conns.ready() ? true : undefined), 10_000);
  const store = new RedisSessions({ redis: conns, logger: silentLogger, secret: options.secret ?? SECRET, limits: { maxSessions: options.maxSessions ?? 1000, ttlMs: 3_600_000 }, cacheMs: options.cacheMs ?? 5_000, now: clock });
  open.push({ store, conns });
  return store;
}
/** Every key and its value (strings and sorted-set members) under the prefix. */
function dump(): string {
  const keys = redis.cli(["--scan", "--pattern", `${PREFIX}:*`]).split("\n").filter(Boolean);
  return keys.map((k) => `${k} ${redis.cli(["type", k]).trim() === "zset" ? redis.cli(["zrange", k, "0", "-1"]) : redis.cli(["get", k])}`).join("\n");
}

beforeAll(async () => {
  redis = await startTestRedis();
  config = { host: "127.0.0.1", port: redis.port, keyPrefix: PREFIX, dialTimeoutMs: 2_000 };
});
afterAll(async () => {
  for (const o of open) {
    o.store.close();
    await o.conns.close();
  }
  await redis?.close();
});

test("GIVEN a GitLab user signed in on replica A THEN B and a restarted replica accept the cookie; Redis holds neither the id nor the token", async () => {
  const a = await replica();
  const b = await replica();
  const { id, maxAgeS } = await a.create(alice);
  expect(maxAgeS).toBe(3600);
  expect(await b.lookup(id)).toMatchObject({ viewer: alice });
  expect((await (await replica()).lookup(id))?.viewer).toEqual(alice);
  const stored = dump();
  expect(stored).toMatch(new RegExp(`^${PREFIX}:console:session:[0-9a-f]{64} `, "m"));
  expect(stored).toContain(`${PREFIX}:console:sessions`);
  expect(stored).not.toContain(id);
  expect(stored).not.toContain(GITLAB_TOKEN);
  expect(stored).not.toContain(Buffer.from(GITLAB_TOKEN).toString("base64"));
  // A replica with another secret cannot open the token: signed out, not a wrong viewer.
  expect(await (await replica({ secret: "another" })).lookup(id)).toBeUndefined();
  expect(await b.lookup("made-up")).toBeUndefined();
});

test("GIVEN a session used on A and B WHEN A signs it out THEN A refuses it at once, B at once through pub/sub (its live streams end), and Redis forgets it", async () => {
  const a = await replica();
  const b = await replica({ cacheMs: 60_000 });
  const ended: string[] = [];
  b.onEnd((id) => ended.push(id));
  const { id } = await a.create({ kind: "api-token" });
  expect(await b.lookup(id)).toBeDefined();
  await a.end(id);
  expect(await a.lookup(id)).toBeUndefined();
  // B's cache would answer for a minute: the sign-out's message ends it first.
  await until("B told of the sign-out", async () => (ended.includes(id) ? true : undefined), 5_000);
  expect(await b.lookup(id)).toBeUndefined();
  const hash = createHash("sha256").update(id).digest("hex");
  expect(redis.cli(["exists", `${PREFIX}:console:session:${hash}`]).trim()).toBe("0");
  expect(dump()).not.toContain(hash);
});

test("GIVEN maxSessions 3 across two replicas WHEN 5 sign in THEN the 3 newest remain in Redis and the evicted end on the replica that used them", async () => {
  redis.cli(["flushall"]);
  const a = await replica({ maxSessions: 3, cacheMs: 0 });
  const b = await replica({ maxSessions: 3, cacheMs: 0 });
  const ended: string[] = [];
  a.onEnd((id) => ended.push(id));
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push((await (i % 2 ? b : a).create({ kind: "api-token" })).id);
  expect(Number(redis.cli(["zcard", `${PREFIX}:console:sessions`]))).toBe(3);
  expect(redis.cli(["--scan", "--pattern", `${PREFIX}:console:session:*`]).split("\n").filter(Boolean)).toHaveLength(3);
  expect(await Promise.all(ids.map(async (id) => (await a.lookup(id)) !== undefined))).toEqual([false, false, true, true, true]);
  await until("A's first session ended there", async () => (ended.includes(ids[0] as string) ? true : undefined), 5_000);
});

test("GIVEN Redis stops THEN sign-in and uncached lookups refuse with SessionStoreUnavailable (no crash), cached ones answer; back, all works", async () => {
  const a = await replica({ cacheMs: 60_000 });
  const { id } = await a.create({ kind: "api-token" });
  await redis.stop();
  await until("client sees Redis gone", async () => (open.every((o) => !o.conns.ready()) ? true : undefined), 10_000);
  await expect(a.create({ kind: "api-token" })).rejects.toThrow("console sessions unavailable (Redis unavailable for sign-in)");
  await expect(a.lookup("uncached")).rejects.toThrow(/console sessions unavailable/);
  expect(await a.lookup(id)).toMatchObject({ viewer: { kind: "api-token" } });
  await redis.start();
  await until("Redis back", async () => (open.every((o) => o.conns.ready()) ? true : undefined), 20_000);
  expect((await a.create({ kind: "api-token" })).id).toMatch(/^[A-Za-z0-9_-]{43}$/);
}, 60_000);
