/**
 * Issue 13, items 2, 5, 6 (stream caps), 11 and 12 (gRPC half): what one
 * agent's token can do to kas with streams, and what kas does back.
 */
import { randomBytes } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import { startFakeGitLabInternalApi as startFakeGitLab } from "../fakes";
import { bearerMetadata, createClients, type Clients } from "../../runtime/rpc";
import { commitFiles, git } from "../git";
import { record } from "../kas";
import { eventually, startKasProcess, type KasProcess } from "./kas-process";

const BRANCHES = 30;
let kas: KasProcess;

beforeAll(async () => {
  kas = await startKasProcess({
    kasYaml: { agent_connections: { max_streams_per_agent: 40 } },
    moreAgents: ["eve"],
  });
  const head = await git(kas.evilRepo, ["rev-parse", "HEAD"]);
  for (let i = 0; i < BRANCHES; i++) await git(kas.evilRepo, ["branch", `b${i}`, head]);
}, 90_000);

afterAll(async () => {
  await kas?.stop();
});

const channel = (): Clients => createClients(kas.grpc, grpc.credentials.createInsecure());

async function settled(): Promise<void> {
  await eventually("every stream and poller of the attack gone", async () => {
    const streams = await kas.metric("kas_agent_streams_open");
    const pollers = await kas.metric("kas_git_pollers");
    return streams === 0 && pollers === 0 ? true : undefined;
  });
}

test("item 2: 600 streams cancelled at random 0-15 ms after opening all clean up (open streams and pollers back to 0)", async () => {
  const clients = [channel(), channel(), channel()];
  const token = kas.tokens.eve as string;
  const calls: Promise<void>[] = [];
  for (let i = 0; i < 600; i++) {
    const c = clients[i % clients.length]!;
    const call =
      i % 2 === 0
        ? c.configuration.GetConfiguration({ commit_id: "" }, bearerMetadata(token))
        : c.gitops.GetObjectsToSynchronize({ project_id: "g/evil", ref: { branch: `b${i % BRANCHES}` }, commit_id: "", paths: [] }, bearerMetadata(token));
    call.on("error", () => undefined);
    call.on("data", () => undefined);
    calls.push(new Promise((resolve) => setTimeout(() => (call.cancel(), resolve()), Math.floor(Math.random() * 16))));
    // Open in bursts under the per-agent cap, so every stream is admitted and the race is with authentication only.
    if (i % 30 === 29) await Promise.all(calls.splice(0));
  }
  await Promise.all(calls);
  for (const c of clients) c.close();
  await settled();
  expect(await kas.metric("kas_agent_streams_open")).toBe(0);
  await kas.legitimate();
}, 90_000);

test("item 6: an agent over max_streams_per_agent is refused with RESOURCE_EXHAUSTED; other agents are not affected", async () => {
  const c = channel();
  const token = kas.tokens.mallory as string;
  const held = Array.from({ length: 40 }, () => record(c.configuration.GetConfiguration({ commit_id: "" }, bearerMetadata(token))));
  await Promise.all(held.map((s) => s.atLeast(1)));
  const err = await record(c.configuration.GetConfiguration({ commit_id: "" }, bearerMetadata(token))).failed();
  expect(err.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  expect(err.details).toMatch(/40 streams open; at most 40 \(agent_connections.max_streams_per_agent/);
  await kas.legitimate();
  for (const s of held) s.cancel();
  c.close();
  await settled();
}, 60_000);

test("item 11: a 5,000-character branch name is INVALID_ARGUMENT at once, not 'source unavailable' forever", async () => {
  const c = channel();
  const s = record(
    c.gitops.GetObjectsToSynchronize({ project_id: "g/evil", ref: { branch: "x".repeat(5000) }, commit_id: "", paths: [] }, bearerMetadata(kas.tokens.mallory as string)),
  );
  const err = await s.failed();
  expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
  expect(err.details).toMatch(/5000 bytes long; at most 1024/);
  c.close();
  await settled();
  await kas.legitimate();
});

test("item 5: revoking a token ends the streams it opened; no new configuration or objects reach it", async () => {
  const c = channel();
  const token = kas.tokens.mallory as string;
  const config = record(c.configuration.GetConfiguration({ commit_id: "" }, bearerMetadata(token)));
  const objects = record(c.gitops.GetObjectsToSynchronize({ project_id: "g/evil", ref: {}, commit_id: "", paths: [] }, bearerMetadata(token)));
  await Promise.all([config.atLeast(1), objects.atLeast(2)]); // Header and Trailer: g/evil holds no manifest yet
  const seen = objects.items.length;
  kas.writeAgents({ a1: [kas.tokens.a1 as string], eve: [kas.tokens.eve as string] });
  const [e1, e2] = await Promise.all([config.failed(15_000), objects.failed(15_000)]);
  for (const e of [e1, e2]) {
    expect(e.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(e.details).toMatch(/revoked/);
  }
  await commitFiles(kas.evilRepo, { "after-revocation.yaml": "kind: ConfigMap\n" });
  await new Promise((r) => setTimeout(r, 1500));
  expect(objects.items).toHaveLength(seen);
  expect(kas.logs(/Agent token revoked/).length).toBeGreaterThanOrEqual(1);
  c.close();
  await settled();
  await kas.legitimate();
}, 60_000);

test("item 5: max_connection_age ends a connection's streams after the age and grace, so no credential lives forever; the agent reconnects", async () => {
  const aged = await startKasProcess({ kasYaml: { agent_connections: { max_connection_age: "2s", max_connection_age_grace: "1s" } } });
  try {
    const c = createClients(aged.grpc, grpc.credentials.createInsecure());
    const s = record(c.configuration.GetConfiguration({ commit_id: "" }, bearerMetadata(aged.tokens.a1 as string)));
    await s.atLeast(1);
    const started = Date.now();
    const err = await s.failed(15_000);
    // 2 s +-10 % jitter, then 1 s of grace.
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(err.code).toBe(grpc.status.UNAVAILABLE);
    c.close();
    await aged.legitimate();
  } finally {
    await aged.stop();
  }
}, 90_000);

test("item 12: failed authentications are counted, and logged at a bounded rate without the token", async () => {
  const c = channel();
  const before = (await kas.metric("kas_auth_failures_total")) ?? 0;
  const bad = "glagent-not-a-real-token-aaaaaaaaaaaaaaaaaaaaa";
  for (let i = 0; i < 300; i++) {
    const err = await record(c.configuration.GetConfiguration({ commit_id: "" }, bearerMetadata(bad))).failed();
    expect(err.code).toBe(grpc.status.UNAUTHENTICATED);
  }
  expect(((await kas.metric("kas_auth_failures_total", /reason="unknown_token"/)) ?? 0) - before).toBeGreaterThanOrEqual(300);
  const lines = kas.logs(/Agent authentication failed/);
  expect(lines.length).toBeGreaterThan(0);
  expect(lines.length).toBeLessThanOrEqual(10);
  expect(kas.output()).not.toContain(bad);
  c.close();
  await kas.legitimate();
}, 60_000);

test("item 5, GitLab registry: a token revoked in GitLab ends its open streams within the cache period", async () => {
  const secret = randomBytes(32);
  const token = "glagent-gitlab-mode-token-0123456789abcdef";
  const gitlab = await startFakeGitLab(secret, { [token]: { agentId: 42, agentName: "mallory", projectId: 7, projectPath: "g/evil" } });
  const k = await startKasProcess({
    kasYaml: { agents: { registry: "gitlab", gitlab: { url: gitlab.url, secret_file: "gitlab-secret", cache_ttl: "1s" } } },
    files: { "gitlab-secret": secret.toString("base64") },
  });
  try {
    const c = createClients(k.grpc, grpc.credentials.createInsecure());
    const s = record(c.configuration.GetConfiguration({ commit_id: "" }, bearerMetadata(token)));
    await s.atLeast(1);
    gitlab.agents.delete(token);
    const err = await s.failed(10_000);
    expect(err.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(err.details).toMatch(/revoked/);
    c.close();
  } finally {
    await k.stop();
    await gitlab.close();
  }
}, 90_000);
