/**
 * Issue 17, item 2's first slice end to end: the real kubectl with the CI
 * kubeconfig (renderCiKubeconfig) against kas's https Kubernetes API proxy,
 * a CI ID token from a loopback OIDC issuer, agentk in-process (its tunnel
 * pool started by startAgent) acting as its ServiceAccount on the real test
 * cluster, `access_as: agent` from the agent's ci_access.
 */
import { execFile, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { createLogger } from "../../runtime/common";
import { kubeconfigAccess, startAgent, type RunningAgent } from "../../runtime/agentk";
import { renderCiKubeconfig } from "../../runtime/kas/kubeapi-auth";
import { ensureClusterBinary, startTestCluster, type TestCluster } from "../cluster";
import { grantAgent } from "../agentk/rbac";
import { AGENT_NS } from "../agentk/scenario";
import { makeRepo, removeDir, tempDir } from "../git";
import { newToken, startTestKas, type TestKas } from "../kas";
import { makeTestPki } from "../tls";
import { until } from "../until";
import { startIssuer, type TestIssuer } from "./issuer";

const run = promisify(execFile);
const AUDIENCE = "https://kas.test";
const AGENT = { name: "ci-agent", id: "7", configProject: "group/agent-config" };
const CONFIG = "ci_access:\n  projects:\n    - id: group/ci-project\n";

let cluster: TestCluster;
let kas: TestKas;
let issuer: TestIssuer;
let agent: RunningAgent;
let dir: string;
let binary: string;
const agentLogs: string[] = [];

beforeAll(async () => {
  binary = await ensureClusterBinary();
  cluster = await startTestCluster();
  dir = await tempDir("kubeapi-ci-");
  const pki = makeTestPki(dir);
  issuer = await startIssuer(AUDIENCE);
  const repo = path.join(dir, "agent-config");
  await makeRepo(repo, { [`.gitlab/agents/${AGENT.name}/config.yaml`]: CONFIG });
  const saKubeconfig = await grantAgent(cluster, AGENT_NS, "agentk", ["dude"]);
  await cluster.kubectl(["create", "namespace", "naww"]).catch(() => undefined);
  await cluster.kubectl(["create", "configmap", "-n", "dude", "ci-hello", "--from-literal=greeting=dude"]);
  const token = newToken();
  kas = await startTestKas({
    agents: [{ ...AGENT, tokens: [token] }],
    projects: [{ id: AGENT.configProject, url: repo }],
    kubernetesApi: { certFile: pki.certFile, keyFile: pki.keyFile, issuer: issuer.url, audience: AUDIENCE },
  });
  agent = await startAgent({
    kasAddress: kas.wsUrl,
    token,
    cluster: await kubeconfigAccess(saKubeconfig),
    namespace: AGENT_NS,
    podName: "ci-agent-0",
    leaderElection: false,
    backoff: { initialMs: 100, maxMs: 500 },
    logger: createLogger({ level: "debug", write: (l) => void agentLogs.push(l) }, { component: "agentk" }),
  });
  await until("4 idle tunnels and the agent's config read", async () => (kas.kas.tunnels.counts(AGENT.id).idle === 4 && kas.kas.tracker.list().some((a) => a.id === AGENT.id && a.config_commit) ? true : undefined), 30_000, () =>
    JSON.stringify({ tunnels: kas.kas.tunnels.counts(AGENT.id), agents: kas.kas.tracker.list(), agentLogs: agentLogs.slice(-5) }),
  );
  writeFileSync(path.join(dir, "ca.pem"), readFileSync(pki.caFile));
}, 240_000);

afterAll(async () => {
  await agent?.close();
  await kas?.stop();
  await issuer?.close();
  await cluster?.stop();
  if (dir) await removeDir(dir);
});

/** A kubeconfig for `projectPath`'s CI job (or this very ID token). */
function kubeconfig(name: string, idToken: string): string {
  const file = path.join(dir, `${name}.kubeconfig`);
  writeFileSync(
    file,
    renderCiKubeconfig({
      server: kas.kubernetesApiUrl as string,
      caPem: readFileSync(path.join(dir, "ca.pem"), "utf8"),
      credential: idToken,
      agents: [{ id: AGENT.id, name: AGENT.name, configProjectPath: AGENT.configProject }],
    }),
  );
  return file;
}

async function kubectl(file: string, args: string[]): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  try {
    const r = await run(binary, ["kubectl", `--kubeconfig=${file}`, `--cache-dir=${path.join(dir, "kube-cache", path.basename(file))}`, ...args], { encoding: "utf8" });
    return { ok: true, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

const inUseZero = async () => (kas.kas.tunnels.counts(AGENT.id).inUse === 0 ? true : undefined);

test("an allowed CI job lists ConfigMaps in dude as the agent; naww is Forbidden by the apiserver", async () => {
  const file = kubeconfig("allowed", issuer.idToken("group/ci-project"));
  const ok = await kubectl(file, ["get", "configmaps", "-n", "dude", "-o", "name"]);
  expect(ok).toMatchObject({ ok: true });
  expect(ok.stdout).toContain("configmap/ci-hello");
  const denied = await kubectl(file, ["get", "configmaps", "-n", "naww"]);
  expect(denied.ok).toBe(false);
  expect(denied.stderr).toContain('Error from server (Forbidden): configmaps is forbidden: User "system:serviceaccount:gitlab-k8s-agent:agentk" cannot list resource "configmaps"');
  await until("no tunnel in use", inUseZero, 10_000);
  // The token appears in no log line of kas or agentk.
  const token = issuer.idToken("group/ci-project");
  expect(kas.logs.join("")).not.toContain(token.split(".")[2]);
}, 60_000);

test("a project not in ci_access: 403 from kas, and nothing reaches the agent", async () => {
  const served = agent.tunnels?.served;
  const r = await kubectl(kubeconfig("other", issuer.idToken("group/other-project")), ["get", "configmaps", "-n", "dude"]);
  expect(r.ok).toBe(false);
  // kubectl's discovery reads no message from a Status it did not ask for: it shows the status only; kas's log has the reason.
  expect(r.stderr).toContain("Error from server (Forbidden)");
  expect(kas.logs.join("")).toContain("project group/other-project is not authorised by the ci_access of agent group/agent-config:ci-agent");
  expect(agent.tunnels?.served).toBe(served);
  expect(kas.kas.tunnels.counts(AGENT.id)).toMatchObject({ inUse: 0 });
}, 60_000);

test("an expired ID token: 401", async () => {
  const now = Math.floor(Date.now() / 1000);
  const served = agent.tunnels?.served;
  const r = await kubectl(kubeconfig("expired", issuer.idToken("group/ci-project", { iat: now - 900, exp: now - 600 })), ["get", "configmaps", "-n", "dude"]);
  expect(r.ok).toBe(false);
  expect(r.stderr).toMatch(/Unauthorized|must be logged in/);
  expect(kas.logs.join("")).toMatch(/token expired \d+s ago/);
  expect(agent.tunnels?.served).toBe(served);
}, 60_000);

test("kubectl get -w streams an event created after it started; ending kubectl frees the tunnel", async () => {
  const file = kubeconfig("watch", issuer.idToken("group/ci-project"));
  const child = spawn(binary, ["kubectl", `--kubeconfig=${file}`, `--cache-dir=${path.join(dir, "kube-cache", "watch")}`, "get", "configmaps", "-n", "dude", "-w", "-o", "name"], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString("utf8")));
  child.stderr.on("data", (d: Buffer) => (err += d.toString("utf8")));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    await until("the initial list", async () => (out.includes("configmap/ci-hello") ? true : undefined), 20_000, () => `stdout: ${out}\nstderr: ${err}`);
    await until("the watch open through the tunnel", async () => (kas.kas.tunnels.counts(AGENT.id).inUse === 1 ? true : undefined), 10_000);
    await cluster.kubectl(["create", "configmap", "-n", "dude", "ci-watched"]);
    await until("the event", async () => (out.includes("configmap/ci-watched") ? true : undefined), 10_000, () => `stdout: ${out}\nstderr: ${err}`);
  } finally {
    if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, "SIGTERM");
    await exited;
  }
  await until("kas: the tunnel freed", inUseZero, 10_000, () => JSON.stringify(kas.kas.tunnels.counts(AGENT.id)));
  await until("agentk: no request open", async () => (agent.tunnels?.open === 0 ? true : undefined), 10_000);
  await until("4 idle tunnels again", async () => (kas.kas.tunnels.counts(AGENT.id).idle === 4 ? true : undefined), 10_000);
}, 90_000);
