/**
 * agentk end to end, in-process, against a real kas and the real test cluster,
 * running as the agent ServiceAccount with exactly its least-privilege Roles.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { createLogger } from "../../runtime/common";
import { kubeconfigAccess, startAgent, type RunningAgent } from "../../runtime/agentk";
import { startTestCluster, type TestCluster } from "../cluster";
import { freePorts } from "../cluster/ports";
import { commitFiles, removeDir, tempDir } from "../git";
import { delay, newToken, startTestKas, type TestKas } from "../kas";
import { until as untilDone } from "../until";
import { grantAgent } from "./rbac";
import { AGENT_NS, agentConfig, nginx, seedRepo } from "./scenario";

let cluster: TestCluster;
let kas: TestKas;
let dir: string;
let repo: string;
let saKubeconfig: string;
let grpcPort: number;
const token = newToken();
const agentLogs: string[] = [];
const agents: RunningAgent[] = [];

const kasOptions = () => ({
  agents: [{ name: "dude-agent", id: "1", configProject: "group/dude-naww", tokens: [token] }],
  projects: [{ id: "group/dude-naww", url: repo }],
  listen: { grpc: `127.0.0.1:${grpcPort}` },
});

async function agent(name: string, logs: string[] = agentLogs): Promise<RunningAgent> {
  const a = await startAgent({
    kasAddress: `grpc://127.0.0.1:${grpcPort}`,
    token,
    cluster: await kubeconfigAccess(saKubeconfig),
    namespace: AGENT_NS,
    podName: name,
    backoff: { initialMs: 200, maxMs: 1000 },
    leaderElectionRetryMs: 300,
    logger: createLogger({ level: "debug", write: (l) => void logs.push(l) }, { component: "agentk" }),
  });
  agents.push(a);
  return a;
}

const until = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> =>
  untilDone(what, probe, timeoutMs, () => `agent log tail:\n${agentLogs.slice(-15).join("")}`);

const replicasReady = (ns: string, n: number) => async () => {
  const out = await cluster.kubectl(["get", "deploy", "-n", ns, `nginx-deployment-${ns}`, "-o", "jsonpath={.status.availableReplicas}/{.spec.replicas}"]);
  return out === `${n}/${n}` ? true : undefined;
};

beforeAll(async () => {
  cluster = await startTestCluster();
  saKubeconfig = await grantAgent(cluster, AGENT_NS, "agentk", ["dude"]);
  await cluster.kubectl(["create", "namespace", "naww"]);
  dir = await tempDir();
  repo = await seedRepo(dir);
  [grpcPort] = (await freePorts(1)) as [number];
  kas = await startTestKas(kasOptions());
}, 240_000);

afterAll(async () => {
  for (const a of agents) await a.close();
  await kas?.stop();
  await cluster?.stop();
  await removeDir(dir);
});

test("dude/naww: the Deployment lands in dude, nothing in naww, and the log says why", async () => {
  await agent("agentk-0");
  await until("dude 2/2", replicasReady("dude", 2));
  expect(await cluster.kubectl(["get", "deploy", "-n", "naww", "-o", "name"])).toBe("");
  await until("the sync summary", async () => (agentLogs.join("").includes("Synchronization failed") ? true : undefined));
  const log = agentLogs.join("");
  expect(log).toMatch(/"msg":"Synchronizing objects".*"project_id":"group\/dude-naww".*"commit_id":"[0-9a-f]{40}"/);
  expect(log).toMatch(/"msg":"Synchronization failed".*"error":"1 resources failed"/);
  const naww = agentLogs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.eventType === "resourceStatus" && l.namespace === "naww");
  expect(naww).toMatchObject({ group: "apps", kind: "Deployment", name: "nginx-deployment-naww", status: "ApplyFailed", level: "warn" });
  expect(log).toContain("Forbidden");
  expect(log).not.toContain(token);
  const api = (await (await fetch(`${kas.apiUrl}/api/v1/agents`)).json()) as { agents: { connected: boolean; projects: Record<string, { lastReport?: { error: string } }> }[] };
  expect(api.agents[0]!.connected).toBe(true);
  expect(api.agents[0]!.projects["group/dude-naww"]!.lastReport!.error).toBe("1 resources failed");
});

test("the agent reports its package version and Git commit; kas shows them in the agents API and in the console", async () => {
  const version = (JSON.parse(readFileSync(path.resolve(__dirname, "../../runtime/package.json"), "utf8")) as { version: string }).version;
  const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: __dirname, encoding: "utf8" }).trim();
  const api = (await (await fetch(`${kas.apiUrl}/api/v1/agents`)).json()) as { agents: { agent_meta?: Record<string, string> }[] };
  // Before issue 15 every agentk said "dev" and kas kept nothing of it.
  expect(api.agents[0]!.agent_meta).toEqual({ version, commit_id: commit, pod_namespace: AGENT_NS, pod_name: "agentk-0" });
  expect(await (await fetch(`${kas.apiUrl}/`)).text()).toContain(`>dude-agent</a></td><td>${version} (${commit})</td>`);
});

test("a commit is applied (replicas 2 -> 3); a manual edit and a manual delete are reverted promptly", async () => {
  await commitFiles(repo, { "manifests/dude.yaml": nginx("dude", 3) });
  await until("dude 3/3", replicasReady("dude", 3));
  await cluster.kubectl(["scale", "deploy", "-n", "dude", "nginx-deployment-dude", "--replicas=5"]);
  await until("manual scale reverted to 3", async () =>
    (await cluster.kubectl(["get", "deploy", "-n", "dude", "nginx-deployment-dude", "-o", "jsonpath={.spec.replicas}"])) === "3" ? true : undefined,
  15_000);
  await cluster.kubectl(["delete", "deploy", "-n", "dude", "nginx-deployment-dude", "--wait=false"]);
  await until("deleted Deployment back at 3/3", replicasReady("dude", 3), 30_000);
});

test("an invalid config.yaml is reported and the agent keeps its last good configuration", async () => {
  await commitFiles(repo, { ".gitlab/agents/dude-agent/config.yaml": "gitops:\n  manifest_projets: []\n" });
  await until("the config error in the agent log", async () => (agentLogs.join("").includes("manifest_projets") ? true : undefined), 10_000);
  await commitFiles(repo, { "manifests/dude.yaml": nginx("dude", 2) });
  await until("dude back to 2/2 under the last good config", replicasReady("dude", 2));
  await commitFiles(repo, { ".gitlab/agents/dude-agent/config.yaml": agentConfig() });
});

test("the workers follow the configuration: a project removed stops its worker, added back starts one", async () => {
  const workers = async () => {
    const m = await agents[0]!.metrics.render();
    return Number(/^agentk_manifest_project_workers (\d+)$/m.exec(m)?.[1]);
  };
  expect(await workers()).toBe(1);
  await commitFiles(repo, { ".gitlab/agents/dude-agent/config.yaml": "gitops:\n  manifest_projects: []\n" });
  await until("no worker", async () => ((await workers()) === 0 ? true : undefined), 15_000);
  // The removed project's "current commit" series goes with it; its counters stay.
  const removed = await agents[0]!.metrics.render();
  expect(removed).not.toMatch(/^agentk_last_synced_commit_info\{/m);
  expect(removed).toMatch(/^agentk_syncs_total\{project="group\/dude-naww",result="failed"\} \d+$/m);
  await commitFiles(repo, { ".gitlab/agents/dude-agent/config.yaml": agentConfig() });
  await until("one worker again", async () => ((await workers()) === 1 ? true : undefined), 15_000);
  const metrics = await agents[0]!.metrics.render();
  expect(metrics).toMatch(/^agentk_syncs_total\{project="group\/dude-naww",result="failed"\} \d+$/m);
  expect(metrics).toMatch(/^agentk_objects_applied_total\{project="group\/dude-naww"\} [1-9]\d*$/m);
});

test("kas restarts: agentk reconnects and converges on the commit made meanwhile", async () => {
  await kas.stop();
  await commitFiles(repo, { "manifests/dude.yaml": nginx("dude", 1) });
  await delay(500);
  kas = await startTestKas(kasOptions());
  await until("dude 1/1 after kas restart", replicasReady("dude", 1), 30_000);
});

test("two replicas: exactly one holds the Lease and applies", async () => {
  const second = await agent("agentk-1");
  await delay(2000);
  const leaders = agents.filter((a) => a.isLeader());
  expect(leaders).toHaveLength(1);
  expect(second.isLeader()).toBe(false);
  const lease = JSON.parse(await cluster.kubectl(["get", "lease", "-n", AGENT_NS, "agentk-lock", "-o", "json"])) as { spec: { holderIdentity: string } };
  expect(lease.spec.holderIdentity).toMatch(/^agentk-0-/);
});
