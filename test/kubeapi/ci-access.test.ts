/**
 * Issue 17, item 2's first slice end to end: the real kubectl with the CI
 * kubeconfig (renderCiKubeconfig) against kas's https Kubernetes API proxy,
 * a CI ID token from a loopback OIDC issuer, agentk in-process (its tunnel
 * pool started by startAgent) acting as its ServiceAccount on the real test
 * cluster, `access_as: agent` from the agent's ci_access.
 */
import { spawn } from "node:child_process";
import { until } from "../until";
import { AGENT, startKubeApiScenario, type KubeApiScenario } from "./scenario";

let sc: KubeApiScenario;
const kubeconfig = (name: string, idToken: string) => sc.kubeconfig(name, idToken);
const kubectl = (file: string, args: string[]) => sc.kubectl(file, args);

beforeAll(async () => {
  sc = await startKubeApiScenario();
  await sc.cluster.kubectl(["create", "configmap", "-n", "dude", "ci-hello", "--from-literal=greeting=dude"]);
}, 240_000);

afterAll(async () => {
  await sc?.stop();
});

const inUseZero = async () => (sc.kas.kas.tunnels.counts(AGENT.id).inUse === 0 ? true : undefined);

test("an allowed CI job lists ConfigMaps in dude as the agent; naww is Forbidden by the apiserver", async () => {
  const file = kubeconfig("allowed", sc.issuer.idToken("group/ci-project"));
  const ok = await kubectl(file, ["get", "configmaps", "-n", "dude", "-o", "name"]);
  expect(ok).toMatchObject({ ok: true });
  expect(ok.stdout).toContain("configmap/ci-hello");
  const denied = await kubectl(file, ["get", "configmaps", "-n", "naww"]);
  expect(denied.ok).toBe(false);
  expect(denied.stderr).toContain('Error from server (Forbidden): configmaps is forbidden: User "system:serviceaccount:gitlab-k8s-agent:agentk" cannot list resource "configmaps"');
  await until("no tunnel in use", inUseZero, 10_000);
  // The token appears in no log line of kas or agentk.
  const token = sc.issuer.idToken("group/ci-project");
  expect(sc.kas.logs.join("")).not.toContain(token.split(".")[2]);
}, 60_000);

test("a project not in ci_access: 403 from kas, and nothing reaches the agent", async () => {
  const served = sc.agent.tunnels?.served;
  const r = await kubectl(kubeconfig("other", sc.issuer.idToken("group/other-project")), ["get", "configmaps", "-n", "dude"]);
  expect(r.ok).toBe(false);
  // kubectl's discovery shows the message of a text/plain refusal only (a Status there came out as "Forbidden): unknown").
  expect(r.stderr).toContain("Error from server (Forbidden): kas: project group/other-project is not authorised by the ci_access of agent group/agent-config:ci-agent");
  expect(r.stderr).not.toContain("unknown");
  expect(sc.kas.logs.join("")).toContain("project group/other-project is not authorised by the ci_access of agent group/agent-config:ci-agent");
  expect(sc.agent.tunnels?.served).toBe(served);
  expect(sc.kas.kas.tunnels.counts(AGENT.id)).toMatchObject({ inUse: 0 });
}, 60_000);

test("an expired ID token: 401", async () => {
  const now = Math.floor(Date.now() / 1000);
  const served = sc.agent.tunnels?.served;
  const r = await kubectl(kubeconfig("expired", sc.issuer.idToken("group/ci-project", { iat: now - 900, exp: now - 600 })), ["get", "configmaps", "-n", "dude"]);
  expect(r.ok).toBe(false);
  expect(r.stderr).toMatch(/Unauthorized|must be logged in/);
  expect(sc.kas.logs.join("")).toMatch(/token expired \d+s ago/);
  expect(sc.agent.tunnels?.served).toBe(served);
}, 60_000);

test("kubectl get -w streams an event created after it started; ending kubectl frees the tunnel", async () => {
  const file = kubeconfig("watch", sc.issuer.idToken("group/ci-project"));
  const child = spawn(sc.binary, sc.kubectlArgs(file, ["get", "configmaps", "-n", "dude", "-w", "-o", "name"]), { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString("utf8")));
  child.stderr.on("data", (d: Buffer) => (err += d.toString("utf8")));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    await until("the initial list", async () => (out.includes("configmap/ci-hello") ? true : undefined), 20_000, () => `stdout: ${out}\nstderr: ${err}`);
    await until("the watch open through the tunnel", async () => (sc.kas.kas.tunnels.counts(AGENT.id).inUse === 1 ? true : undefined), 10_000);
    await sc.cluster.kubectl(["create", "configmap", "-n", "dude", "ci-watched"]);
    await until("the event", async () => (out.includes("configmap/ci-watched") ? true : undefined), 10_000, () => `stdout: ${out}\nstderr: ${err}`);
  } finally {
    if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, "SIGTERM");
    await exited;
  }
  await sc.tunnelsFreed();
}, 90_000);

test("ci_access asks for ci_job impersonation but agentk runs without --allow-impersonation: kas refuses with why, nothing reaches the apiserver", async () => {
  const served = sc.agent.tunnels?.served;
  const r = await kubectl(kubeconfig("ci-job", sc.issuer.idToken("group/ci-job-project")), ["get", "configmaps", "-n", "dude"]);
  expect(r.ok).toBe(false);
  expect(r.stderr).toContain("does not impersonate: run agentk with --allow-impersonation");
  expect(sc.kas.logs.join("")).toContain("grants access as gitlab:ci_job:4711 (impersonation), but agent 7 does not impersonate: run agentk with --allow-impersonation");
  expect(sc.agent.tunnels?.served).toBe(served);
  await sc.tunnelsFreed();
}, 60_000);
