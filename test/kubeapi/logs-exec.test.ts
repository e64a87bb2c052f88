/**
 * `kubectl logs -f` and `kubectl exec` through kas's Kubernetes API proxy and
 * agentk's tunnels, against fake pods whose kubelet is KWOK's (the test
 * cluster's opt-in kubeletServer). exec is an upgraded connection (kubectl
 * 1.36 asks for WebSocket v5.channel.k8s.io, falling back to SPDY) that kas
 * pipes through the tunnel as raw bytes. Served under a path prefix, as
 * GitLab users' kubeconfigs point at https://kas.example.com/k8s-proxy
 * (kubernetes_api.path_prefix; plain requests through it: limits.test.ts).
 */
import { spawn } from "node:child_process";
import { spawnCommand } from "../cluster";
import { until } from "../until";
import { debugPods } from "./pods";
import { AGENT, startKubeApiScenario, type KubeApiScenario } from "./scenario";

let sc: KubeApiScenario;
let file: string;

beforeAll(async () => {
  sc = await startKubeApiScenario({ cluster: { kubeletServer: true }, kubernetesApi: { path_prefix: "/k8s-proxy" } });
  // The agent may read logs and exec in dude; in naww it may only read pods, so the apiserver refuses the exec itself.
  await debugPods(sc.cluster, ["pods/log", "pods/exec"], ["naww"]);
  file = sc.kubeconfig("debug", sc.issuer.idToken("group/ci-project"));
}, 240_000);

afterAll(async () => {
  await sc?.stop();
});

test("kubectl logs -f streams the pod's lines, including one written after it started; ending kubectl frees the tunnel", async () => {
  sc.cluster.appendPodLog("line one");
  const child = spawn(sc.binary, sc.kubectlArgs(file, ["logs", "-f", "web", "-n", "dude"]), { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString("utf8")));
  child.stderr.on("data", (d: Buffer) => (err += d.toString("utf8")));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const seen = (line: string) => async () => (out.includes(line) ? true : undefined);
  try {
    await until("the first line", seen("line one"), 20_000, () => `stdout: ${out}\nstderr: ${err}`);
    await until("the stream open through the tunnel", async () => (sc.kas.kas.tunnels.counts(AGENT.id).inUse === 1 ? true : undefined), 10_000);
    sc.cluster.appendPodLog("line two");
    await until("the line written later", seen("line two"), 10_000, () => `stdout: ${out}\nstderr: ${err}`);
  } finally {
    if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, "SIGTERM");
    await exited;
  }
  await sc.tunnelsFreed();
}, 90_000);

test("kubectl exec runs the command (KWOK runs it locally) and returns its output and exit status", async () => {
  const r = await sc.kubectl(file, ["exec", "web", "-n", "dude", "--", "echo", "hi"]);
  expect(r).toMatchObject({ ok: true, stdout: "hi\n" });
  const failed = await sc.kubectl(file, ["exec", "web", "-n", "dude", "--", "sh", "-c", "echo oops >&2; exit 3"]);
  expect(failed.ok).toBe(false);
  expect(failed.stderr).toContain("oops");
  // KWOK reports a local command's failure as an error, not as the container's exit code.
  expect(failed.stderr).toContain("exit status 3");
  await sc.tunnelsFreed();
}, 60_000);

test("kill -9 an interactive kubectl exec mid-stream: kas and agentk free the tunnel", async () => {
  const p = spawnCommand(sc.binary, sc.kubectlArgs(file, ["exec", "-i", "web", "-n", "dude", "--", "cat"]));
  try {
    p.child.stdin?.write("echoed by cat\n");
    await until("cat's echo", async () => (p.stdout().includes("echoed by cat") ? true : undefined), 20_000, p.output);
    expect(sc.kas.kas.tunnels.counts(AGENT.id).inUse).toBe(1);
  } finally {
    await p.kill("SIGKILL");
  }
  await sc.tunnelsFreed();
}, 60_000);

test("kubectl exec in naww: the apiserver's Forbidden comes back through the upgrade path", async () => {
  const r = await sc.kubectl(file, ["exec", "web", "-n", "naww", "--", "echo", "hi"]);
  expect(r.ok).toBe(false);
  expect(r.stderr).toContain('cannot create resource "pods/exec" in API group "" in the namespace "naww"');
  await sc.tunnelsFreed();
}, 60_000);

test("kubectl exec for a project not in ci_access: refused by kas, nothing reaches the agent", async () => {
  const served = sc.agent.tunnels?.served;
  const r = await sc.kubectl(sc.kubeconfig("other-exec", sc.issuer.idToken("group/other-project")), ["exec", "web", "-n", "dude", "--", "echo", "hi"]);
  expect(r.ok).toBe(false);
  expect(r.stderr).toMatch(/Forbidden|forbidden/);
  expect(sc.agent.tunnels?.served).toBe(served);
}, 60_000);
