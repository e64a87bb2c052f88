/**
 * Each agent's access (ci_access, user_access, manifest projects) shared by
 * kas replicas through a real redis-server: what replica A's configuration
 * service records, replica B's access book answers for the agent it has never
 * served (a CI request or preview for an agent connected elsewhere). B keeps
 * its last view while Redis is away; A writes its agents again when Redis
 * comes back empty.
 */
import { silentLogger } from "../../runtime/common";
import { MANIFEST_PROJECT_DEFAULTS, type ManifestProject } from "../../runtime/rpc";
import { parseAgentConfig } from "../../runtime/kas/agentcfg";
import { AgentAccessBook } from "../../runtime/kas/server";
import { accessHashKey, connectRedis, redisAccessBook, type RedisConnections, type SharedAccessBook } from "../../runtime/kas/shared";
import { until } from "../until";
import { startTestRedis, type TestRedis } from ".";

const PREFIX = "access-test";
const AGENT = { id: "7", name: "dude-agent", configProjectId: "group/agent-config" };
const parsed = parseAgentConfig("ci_access:\n  projects:\n  - id: group/app\nuser_access:\n  access_as: {agent: {}}\n  projects:\n  - id: group/app\n", { file: "config.yaml", configProjectId: AGENT.configProjectId });
if (!parsed.ok) throw new Error(parsed.error);
const ACCESS = parsed.access;
const MANIFESTS: ManifestProject[] = [{ ...MANIFEST_PROJECT_DEFAULTS, id: "group/manifests", ref: {}, paths: [{ glob: "manifests/**" }] }];

let redis: TestRedis;
const opened: { conns: RedisConnections; book: SharedAccessBook }[] = [];
/** A replica's access book on the shared Redis, reading the others' entries every 100 ms. */
const replica = (refreshMs = 100): AgentAccessBook => {
  const conns = connectRedis({ host: "127.0.0.1", port: redis.port, keyPrefix: PREFIX, dialTimeoutMs: 2_000 }, silentLogger);
  const book = redisAccessBook(conns, silentLogger, refreshMs);
  opened.push({ conns, book });
  return new AgentAccessBook(book);
};

beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  for (const o of opened) {
    o.book.close();
    await o.conns.close();
  }
  await redis?.close();
});

test("GIVEN replica A served the agent's config WHEN replica B is asked for that agent THEN B answers A's ci_access, user_access and manifest projects; its allowed-agents list names it", async () => {
  const a = replica();
  const b = replica();
  await until("both connected", async () => (opened.every((o) => o.conns.ready()) ? true : undefined), 5_000);
  expect(b.get(AGENT.id)).toBeUndefined();
  a.set(AGENT, ACCESS);
  a.setManifestProjects(AGENT.id, MANIFESTS);
  const seen = await until("B sees the agent's access", async () => b.get(AGENT.id) ?? undefined, 5_000);
  expect(seen).toEqual({ agent: { id: "7", name: "dude-agent", configProjectPath: "group/agent-config" }, ciAccess: ACCESS.ci_access, userAccess: ACCESS.user_access });
  await until("B sees the manifest projects", async () => b.manifestProject(AGENT.id, "group/manifests") ?? undefined, 5_000);
  expect([...b.all()].map((t) => t.agent.id)).toEqual(["7"]);
});

test("GIVEN an agent that connected to replica A a moment ago WHEN replica B is asked before its next read of the hash THEN B reads the agent's entry from Redis (a CI request right after the agent connected is not refused); an unknown agent stays unknown", async () => {
  const a = replica();
  const b = replica(3_600_000); // B's periodic read never comes during the test
  await until("both connected", async () => (opened.every((o) => o.conns.ready()) ? true : undefined), 5_000);
  const agent = { ...AGENT, id: "17" };
  a.set(agent, ACCESS);
  await until("A's entry is in Redis", async () => (redis.cli(["HEXISTS", accessHashKey(PREFIX), "17"]).trim() === "1" ? true : undefined), 5_000);
  expect(b.get("17")).toBeUndefined();
  expect((await b.lookup("17"))?.agent).toEqual({ id: "17", name: "dude-agent", configProjectPath: "group/agent-config" });
  expect(b.get("17")?.agent.id).toBe("17"); // kept in B's view
  expect(await b.lookup("no-such-agent")).toBeUndefined();
});

test("GIVEN an entry that is not what a replica writes WHEN a replica reads the hash THEN it is ignored, the others kept", async () => {
  const b = replica();
  redis.cli(["HSET", accessHashKey(PREFIX), "99", "{not json"]);
  redis.cli(["HSET", accessHashKey(PREFIX), "98", JSON.stringify({ target: { agent: { id: "other" } }, manifests: [] })]);
  await until("B read the hash", async () => b.get(AGENT.id) ?? undefined, 5_000);
  expect(b.get("99")).toBeUndefined();
  expect(b.get("98")).toBeUndefined();
});

test("GIVEN Redis goes away WHEN B is asked THEN it keeps its last view; WHEN Redis comes back empty THEN A writes its agents again and a new replica sees them", async () => {
  const a = replica();
  const b = replica();
  await until("both connected", async () => (opened.every((o) => o.conns.ready()) ? true : undefined), 5_000);
  a.set({ ...AGENT, id: "8" }, ACCESS);
  await until("B sees agent 8", async () => b.get("8") ?? undefined, 5_000);
  await redis.stop();
  await new Promise((r) => setTimeout(r, 300));
  expect(b.get("8")?.agent.id).toBe("8");
  await redis.start();
  const c = replica();
  await until("a new replica sees agent 8 again (A rewrote it)", async () => c.get("8") ?? undefined, 15_000);
});
