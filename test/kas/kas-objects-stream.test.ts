/** kas GetObjectsToSynchronize, webhook, authorization and HTTP API against real repos and a real git http-backend. */
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { BatchAssembler, bearerMetadata, type ObjectsBatch, type ObjectsToSynchronizeResponse, type PathGlob } from "../../runtime/rpc";
import { commitFiles, makeRepo, removeDir, setBranch, startGitHttpServer, tempDir, type GitHttpServer } from "../git";
import { delay, record, startTestKas, type TestKas } from "./index";
import { parseExposition, samples } from "../metrics";

let dir: string;
let configRepo: string;
let manifests: string;
let secretRepo: string;
let remoteRoot: string;
let http: GitHttpServer;
let kas: TestKas;
let firstCommit: string;
const SECRET = "s3cret-webhook-token";

beforeAll(async () => {
  dir = await tempDir();
  configRepo = path.join(dir, "agent-config");
  manifests = path.join(dir, "manifests");
  secretRepo = path.join(dir, "secret");
  remoteRoot = path.join(dir, "remote");
  await makeRepo(configRepo, { ".gitlab/agents/dude-agent/config.yaml": "gitops: {}\n" });
  firstCommit = await makeRepo(manifests, {
    "manifests/dude.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
    "manifests/sub/x.yml": "kind: X\n",
    "README.md": "not a manifest",
    ".hidden/skip.yaml": "kind: Hidden\n",
  });
  await makeRepo(secretRepo, { "a.yaml": "kind: Secret\n" });
  await makeRepo(path.join(remoteRoot, "team", "remote.git"), { "deploy.yaml": "kind: Remote\n" }, { bare: true });
  http = await startGitHttpServer({ root: remoteRoot });
  kas = await startTestKas({
    agents: [{ name: "dude-agent", id: "7", configProject: "group/agent-config" }],
    projects: [
      { id: "group/agent-config", url: configRepo },
      { id: "group/manifests", url: manifests, agents: ["dude-agent"] },
      { id: "group/secret", url: secretRepo },
      { id: "team/remote", url: `${http.url}/team/remote.git`, public: true },
    ],
    pollPeriod: "1h", // only the file watch, the webhook, or a reconnect may notice commits
    webhookSecret: SECRET,
  });
});
afterAll(async () => {
  await kas?.stop();
  await http?.stop();
  await removeDir(dir);
});

const token = (): string => kas.tokens["dude-agent"]!;
async function objects(projectId: string, opts: { commit?: string; paths?: PathGlob[]; branch?: string } = {}) {
  const clients = await kas.clients(token());
  return record<ObjectsToSynchronizeResponse>(
    clients.gitops.GetObjectsToSynchronize(
      { project_id: projectId, commit_id: opts.commit ?? "", paths: opts.paths ?? [], ref: opts.branch ? { branch: opts.branch } : {} },
      bearerMetadata(token()),
    ),
  );
}
function batches(msgs: readonly ObjectsToSynchronizeResponse[]): ObjectsBatch[] {
  const a = new BatchAssembler();
  return msgs.flatMap((m) => a.push(m) ?? []);
}

test("a granted project streams Header, Objects, Trailer for the files its globs match (dot-dirs skipped)", async () => {
  const s = await objects("group/manifests");
  const msgs = await s.atLeast(4);
  s.cancel();
  expect(msgs.map((m) => m.message)).toEqual(["header", "object", "object", "trailer"]);
  const [b] = batches(msgs);
  expect(b!.commitId).toBe(firstCommit);
  expect(b!.projectId).toBe("group/manifests");
  expect(b!.files.map((f) => f.path)).toEqual(["manifests/dude.yaml", "manifests/sub/x.yml"]);
  expect(b!.files[0]!.data.toString()).toContain("kind: ConfigMap");
});

test("nothing is sent while the commit equals the agent's; a commit is noticed at once; a force-push backwards is served", async () => {
  const s = await objects("group/manifests", { commit: firstCommit, paths: [{ glob: "/manifests/*.yaml" }] });
  await delay(400);
  expect(s.items).toHaveLength(0);
  const second = await commitFiles(manifests, { "manifests/dude.yaml": "kind: Changed\n" });
  let got = batches(await s.atLeast(3, 5000));
  expect(got.map((b) => b.commitId)).toEqual([second]);
  expect(got[0]!.files.map((f) => f.data.toString())).toEqual(["kind: Changed\n"]);
  await setBranch(manifests, "main", firstCommit); // force-push back
  got = batches(await s.atLeast(6, 5000));
  expect(got.map((b) => b.commitId)).toEqual([second, firstCommit]);
  s.cancel();
});

test("a file over 5 MiB ends the stream with FAILED_PRECONDITION naming it", async () => {
  await commitFiles(manifests, { "big/huge.yaml": Buffer.alloc(5 * 1024 * 1024 + 1, 0x61) }, { branch: "big" });
  const err = await (await objects("group/manifests", { branch: "big" })).failed();
  expect(err.code).toBe(grpc.status.FAILED_PRECONDITION);
  expect(err.details).toContain("big/huge.yaml");
});

test.each([
  ["a glob with ..", [{ glob: "../other/*.yaml" }], grpc.status.INVALID_ARGUMENT, ".."],
  ["an absolute escape", [{ glob: "/../../etc/passwd" }], grpc.status.INVALID_ARGUMENT, ".."],
  ["more than 100 paths", Array.from({ length: 101 }, (_, i) => ({ glob: `d${i}/*.yaml` })), grpc.status.INVALID_ARGUMENT, "at most 100"],
])("%s is INVALID_ARGUMENT", async (_name, paths, code, message) => {
  const err = await (await objects("group/manifests", { paths })).failed();
  expect(err.code).toBe(code);
  expect(err.details).toContain(message);
});

test("a ref that does not exist is NOT_FOUND naming it", async () => {
  const err = await (await objects("group/manifests", { branch: "nope" })).failed();
  expect(err.code).toBe(grpc.status.NOT_FOUND);
  expect(err.details).toContain("nope");
});

test("a project not granted and a project kas does not know are both PERMISSION_DENIED, in the same words (existence is not revealed)", async () => {
  const secret = await (await objects("group/secret")).failed();
  const unknown = await (await objects("group/unknown")).failed();
  expect([secret.code, unknown.code]).toEqual([grpc.status.PERMISSION_DENIED, grpc.status.PERMISSION_DENIED]);
  expect(secret.details).toContain("may not read project");
  expect(unknown.details.replace("group/unknown", "P")).toBe(secret.details.replace("group/secret", "P"));
});

test("a public remote project over git http-backend; unreachable -> the stream stays open, kas logs, and recovers", async () => {
  const s = await objects("team/remote");
  const [b] = batches(await s.atLeast(3));
  expect(b!.files.map((f) => f.path)).toEqual(["deploy.yaml"]);
  await http.stop();
  const webhook = (project: string) =>
    fetch(`${kas.webhookUrl}/api/v1/webhooks/push`, {
      method: "POST",
      headers: { "x-gitlab-token": SECRET, "content-type": "application/json" },
      body: JSON.stringify({ object_kind: "push", ref: "refs/heads/main", project: { path_with_namespace: project } }),
    });
  expect((await webhook("team/remote")).status).toBe(202);
  const bare = path.join(remoteRoot, "team", "remote.git");
  const next = await commitFiles(bare, { "deploy.yaml": "kind: Remote2\n" });
  await delay(800);
  expect(kas.logs.join("")).toMatch(/unavailable|retry/i);
  expect(s.items).toHaveLength(3); // still open, nothing new
  // The failures are counted too, for alerts: each failed check, and each failed fetch of the remote.
  const failures = parseExposition(await (await fetch(`${kas.httpUrl}/metrics`)).text());
  expect(samples(failures, "kas_git_poll_errors_total", { project: "team/remote" })[0]?.value).toBeGreaterThanOrEqual(1);
  expect(samples(failures, "kas_git_fetch_errors_total", { project: "team/remote" })[0]?.value).toBeGreaterThanOrEqual(1);
  await http.start();
  const got = batches(await s.atLeast(6, 10_000));
  expect(got[1]!.commitId).toBe(next);
  s.cancel();
});

test("the push webhook: a wrong secret is 401 and triggers nothing; the right one makes kas look now", async () => {
  const bare = path.join(remoteRoot, "team", "remote.git");
  const s = await objects("team/remote");
  await s.atLeast(3);
  const before = http.requests;
  const next = await commitFiles(bare, { "deploy.yaml": "kind: Remote3\n" });
  const post = (secret: string) =>
    fetch(`${kas.webhookUrl}/api/v1/webhooks/push`, {
      method: "POST",
      headers: { "x-gitlab-token": secret, "content-type": "application/json" },
      body: JSON.stringify({ object_kind: "push", project: { path_with_namespace: "team/remote" } }),
    });
  expect((await post("wrong")).status).toBe(401);
  await delay(500);
  expect(http.requests).toBe(before);
  expect(s.items).toHaveLength(3);
  expect((await post(SECRET)).status).toBe(202);
  const got = batches(await s.atLeast(6, 5000));
  expect(got[1]!.commitId).toBe(next);
  s.cancel();
});

test("status reports show up in /api/v1/agents and the console (api listener); /metrics, /liveness and /readiness answer (observability listener)", async () => {
  const clients = await kas.clients(token());
  await new Promise<void>((resolve, reject) =>
    clients.status.ReportSyncStatus(
      { project_id: "group/manifests", commit_id: firstCommit, success: false, error: "1 resources failed", objects: [{ group: "apps", version: "v1", kind: "Deployment", namespace: "naww", name: "nginx", status: "Failed", message: "forbidden" }], started_at_unix_ms: 1, finished_at_unix_ms: 2 },
      bearerMetadata(token()),
      {},
      (err) => (err ? reject(err) : resolve()),
    ),
  );
  const s = await objects("group/manifests");
  await s.atLeast(3);
  const api = (await (await fetch(`${kas.apiUrl}/api/v1/agents`)).json()) as { agents: { name: string; connected: boolean; projects: Record<string, { lastReport?: { error: string; commit_id: string } }> }[] };
  const agent = api.agents.find((a) => a.name === "dude-agent")!;
  expect(agent.connected).toBe(true);
  expect(agent.projects["group/manifests"]!.lastReport).toMatchObject({ error: "1 resources failed", commit_id: firstCommit });
  s.cancel();
  const metrics = await (await fetch(`${kas.httpUrl}/metrics`)).text();
  expect(metrics).toMatch(/^kas_agents_connected \d+$/m);
  expect(metrics).toMatch(/^process_resident_memory_bytes \d+/m);
  // Since issue 15 the series names its agent.
  expect(metrics).toContain('kas_sync_reports_total{agent="dude-agent",success="false"} 1');
  const families = parseExposition(metrics);
  expect(families.get("process_cpu_seconds_total")?.type).toBe("counter");
  expect(families.get("process_start_time_seconds")?.type).toBe("gauge");
  const call = { grpc_type: "unary", grpc_service: "gitops.agent.v1.AgentStatusService", grpc_method: "ReportSyncStatus" };
  expect(samples(families, "grpc_server_started_total", call)[0]?.value).toBe(1);
  expect(samples(families, "grpc_server_handled_total", { ...call, grpc_code: "OK" })[0]?.value).toBe(1);
  expect(samples(families, "grpc_server_started_total", { grpc_method: "GetObjectsToSynchronize", grpc_type: "server_stream" })[0]?.value).toBeGreaterThanOrEqual(1);
  // A failed sync is no success: no staleness timestamp for it.
  expect(samples(families, "kas_last_successful_sync_timestamp_seconds")).toEqual([]);
  expect((await fetch(`${kas.httpUrl}/liveness`)).status).toBe(200);
  expect((await fetch(`${kas.httpUrl}/readiness`)).status).toBe(200);
  const page = await (await fetch(`${kas.apiUrl}/`)).text();
  expect(page).toContain("dude-agent");
  expect(page).toContain("1 resources failed");
  // Each listener serves only its own routes.
  expect((await fetch(`${kas.httpUrl}/api/v1/agents`)).status).toBe(404);
  expect((await fetch(`${kas.httpUrl}/`)).status).toBe(404);
  expect((await fetch(`${kas.httpUrl}/api/v1/webhooks/push`, { method: "POST" })).status).toBe(404);
  expect((await fetch(`${kas.apiUrl}/metrics`)).status).toBe(404);
});
