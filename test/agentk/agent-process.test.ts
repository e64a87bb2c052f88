/**
 * agentk as a real process (bin/agentk) on the real test cluster:
 * `agentk generate` output applies cleanly, and kill -9 in the middle of a
 * large apply, then a restart, converges with nothing orphaned.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { startTestCluster, type TestCluster } from "../cluster";
import { commitFiles, removeDir, tempDir } from "../git";
import { delay, newToken, startTestKas, type TestKas } from "../kas";
import { parseExposition, samples } from "../metrics";
import { grantAgent } from "./rbac";
import { AGENT_NS, seedRepo } from "./scenario";

const root = path.resolve(__dirname, "../..");
let cluster: TestCluster;
let kas: TestKas;
let dir: string;
let repo: string;
let kubeconfig: string;
const token = newToken();

beforeAll(async () => {
  cluster = await startTestCluster();
  kubeconfig = await grantAgent(cluster, AGENT_NS, "agentk", ["dude"]);
  await cluster.kubectl(["create", "namespace", "naww"]);
  dir = await tempDir();
  repo = await seedRepo(dir);
  kas = await startTestKas({
    agents: [{ name: "dude-agent", id: "1", configProject: "group/dude-naww", tokens: [token] }],
    projects: [{ id: "group/dude-naww", url: repo }],
  });
}, 240_000);

afterAll(async () => {
  await kas?.stop();
  await cluster?.stop();
  await removeDir(dir);
});

function runAgentk(args: string[], env: NodeJS.ProcessEnv = {}): { proc: ChildProcess; output: () => string } {
  let out = "";
  const proc = spawn(path.join(root, "bin/agentk"), args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  proc.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  proc.stderr!.on("data", (c: Buffer) => (out += c.toString()));
  return { proc, output: () => out };
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 60_000, log?: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await delay(200);
  }
  throw new Error(`timed out waiting for ${what}${log ? `\n${log().slice(-3000)}` : ""}`);
}

test("`agentk generate` prints install manifests that apply cleanly and give exactly the least-privilege rights", async () => {
  const { proc, output } = runAgentk(["generate", "--agent-token", "glagent-example", "--kas-address", "grpc://kas.example:8150", "--namespace", "gen-agent", "--write-namespace", "gen-dude"]);
  const code = await new Promise<number | null>((resolve) => proc.on("exit", resolve));
  expect(code).toBe(0);
  const file = path.join(dir, "install.yaml");
  writeFileSync(file, output());
  const applied = await cluster.kubectl(["apply", "-f", file]);
  expect(applied).toContain("deployment.apps/agentk created");
  const can = (verb: string, resource: string, ns: string) =>
    cluster.kubectl(["auth", "can-i", verb, resource, "-n", ns, "--as", "system:serviceaccount:gen-agent:agentk"]).then((o) => o.trim(), () => "no");
  expect(await can("patch", "deployments.apps", "gen-dude")).toBe("yes");
  expect(await can("patch", "deployments.apps", "default")).toBe("no");
  expect(await can("get", "secrets", "gen-dude")).toBe("no");
  // Its own inventory and Lease by name, created by generate itself; nothing else of the kind in a namespace other agents may share.
  expect(await can("patch", "configmaps/agentk-inventory", "gen-agent")).toBe("yes");
  expect(await can("update", "leases.coordination.k8s.io/agentk-lock", "gen-agent")).toBe("yes");
  expect(await can("create", "configmaps", "gen-agent")).toBe("no");
  expect(await can("get", "configmaps/other-inventory", "gen-agent")).toBe("no");
  expect((await cluster.kubectl(["get", "-n", "gen-agent", "lease/agentk-lock", "configmap/agentk-inventory", "-o", "name"])).trim().split("\n")).toEqual([
    "lease.coordination.k8s.io/agentk-lock",
    "configmap/agentk-inventory",
  ]);
  for (const ns of ["gen-agent", "gen-dude"]) {
    expect(await cluster.kubectl(["get", "namespace", ns, "-o", "jsonpath={.metadata.labels.pod-security\\.kubernetes\\.io/enforce}"])).toBe("restricted");
  }
  expect(await can("create", "clusterroles.rbac.authorization.k8s.io", "")).toBe("no");
});

test("kill -9 in the middle of a 200-object apply, then a restart: everything converges and nothing is orphaned", async () => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 200; i++) files[`manifests/cm-${i}.yaml`] = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-${i}}\ndata: {i: "${i}"}\n`;
  await commitFiles(repo, files);
  const args = ["--kas-address", kas.grpcAddress.replace(/^/, "grpc://"), "--kubeconfig", kubeconfig, "--namespace", AGENT_NS, "--observability-listen-address", "127.0.0.1:0"];
  const first = runAgentk(args, { AGENTK_TOKEN: token });
  const applied = () => new Set(first.output().match(/ConfigMap dude\/cm-\d+: applied/g) ?? []).size;
  const exited = new Promise((r) => first.proc.once("exit", r));
  // Kill from the output handler itself, the moment the 5th object is applied.
  first.proc.stderr!.on("data", () => {
    if (applied() >= 5) first.proc.kill("SIGKILL");
  });
  await Promise.race([exited, delay(60_000)]);
  expect(first.proc.signalCode).toBe("SIGKILL");
  const before = applied();
  expect(before).toBeLessThan(200);

  const second = runAgentk(args, { AGENTK_TOKEN: token });
  const count = async () => (await cluster.kubectl(["get", "configmaps", "-n", "dude", "-o", "name"])).split("\n").filter((l) => l.startsWith("configmap/cm-")).length;
  await until("all 200 ConfigMaps", async () => (await count()) === 200, 60_000, second.output);
  await until("the sync to finish", () => /Synchronization (failed|finished)/.test(second.output()), 60_000, second.output);

  // Remove them all from Git: every one is pruned, including those the killed agent applied.
  const removal: Record<string, null> = {};
  for (const f of Object.keys(files)) removal[f] = null;
  await commitFiles(repo, removal);
  await until("all pruned", async () => (await count()) === 0, 60_000, second.output);
  second.proc.kill("SIGTERM");
  expect(await new Promise((r) => second.proc.once("exit", r))).toBe(0);
  expect(second.output()).not.toContain(token);
}, 180_000);

test("/metrics of a real agentk: a well-formed exposition; after two commits one commit info series per project; sync durations a histogram; no success timestamp for failed syncs; gRPC client counters", async () => {
  const cm = (value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: metrics-probe}\ndata: {value: "${value}"}\n`;
  // naww stays: the agent may not write there, so every sync fails (1 resources failed) and sets no success timestamp.
  const first = await commitFiles(repo, { "manifests/probe.yaml": cm("1") });
  const port = await freePort();
  const agentk = runAgentk(["--kas-address", `grpc://${kas.grpcAddress}`, "--kubeconfig", kubeconfig, "--namespace", AGENT_NS, "--observability-listen-address", `127.0.0.1:${port}`], { AGENTK_TOKEN: token });
  const scrape = async () => parseExposition(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
  // Not listening yet is not synced yet.
  const synced = (commit: string) => async () => samples(await scrape().catch(() => new Map()), "agentk_last_synced_commit_info", { project: "group/dude-naww", commit_id: commit }).length > 0;
  try {
    await until("the first commit synced", synced(first), 60_000, agentk.output);
    const second = await commitFiles(repo, { "manifests/probe.yaml": cm("2") });
    await until("the second commit synced", synced(second), 60_000, agentk.output);
    const f = await scrape();
    expect(samples(f, "agentk_last_synced_commit_info").map((s) => s.labels)).toEqual([{ project: "group/dude-naww", commit_id: second }]);
    expect(f.get("agentk_sync_duration_seconds")?.type).toBe("histogram");
    expect(samples(f, "agentk_sync_duration_seconds_count", { project: "group/dude-naww" })[0]?.value).toBeGreaterThanOrEqual(2);
    expect(samples(f, "agentk_syncs_total", { project: "group/dude-naww", result: "failed" })[0]?.value).toBeGreaterThanOrEqual(2);
    expect(samples(f, "agentk_last_successful_sync_timestamp_seconds")).toEqual([]);
    expect(f.get("process_cpu_seconds_total")?.type).toBe("counter");
    expect(f.get("process_start_time_seconds")?.type).toBe("gauge");
    const objects = { grpc_type: "server_stream", grpc_method: "GetObjectsToSynchronize" };
    expect(samples(f, "grpc_client_started_total", objects)[0]?.value).toBeGreaterThanOrEqual(1);
    await until("the second sync's report acknowledged", async () => {
      const reports = samples(await scrape(), "grpc_client_handled_total", { grpc_type: "unary", grpc_method: "ReportSyncStatus", grpc_code: "OK" });
      return (reports[0]?.value ?? 0) >= 2;
    }, 10_000);
  } finally {
    agentk.proc.kill("SIGTERM");
    await new Promise((r) => agentk.proc.once("exit", r));
  }
}, 180_000);

/** A loopback port free now (agentk does not say which port 0 became). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
