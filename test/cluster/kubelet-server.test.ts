/**
 * The opt-in KWOK kubelet server: `kubectl logs` (and `-f`), `kubectl exec`
 * and `kubectl port-forward` on a fake pod work against the real apiserver,
 * which reaches KWOK as the node's kubelet.
 */
import { execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import { roundTrip, startEchoServer, startPortForward, startTestCluster, type TestCluster } from "./index";
import { until } from "../until";

const run = promisify(execFile);
let cluster: TestCluster;

beforeAll(async () => {
  cluster = await startTestCluster({ kubeletServer: true });
  await cluster.kubectl(["create", "namespace", "dude"]);
  await cluster.kubectl(["run", "web", "-n", "dude", "--image=nginx:1.14.2"]);
  await cluster.kubectl(["wait", "-n", "dude", "--for=condition=Ready", "pod/web", "--timeout=60s"]);
}, 240_000);

afterAll(async () => {
  await cluster?.stop();
});

test("kubectl logs reads the pod log file, and logs -f streams lines appended later", async () => {
  cluster.appendPodLog("first line");
  expect(await cluster.kubectl(["logs", "web", "-n", "dude"])).toContain("first line");
  const follow = spawn(cluster.binary, ["kubectl", `--kubeconfig=${cluster.kubeconfigPath}`, "logs", "-f", "web", "-n", "dude"]);
  let out = "";
  follow.stdout.on("data", (d: Buffer) => (out += d.toString()));
  try {
    await until("logs -f shows the first line", async () => (out.includes("first line") ? true : undefined), 20_000, () => out);
    cluster.appendPodLog("second line");
    await until("logs -f shows the appended line", async () => (out.includes("second line") ? true : undefined), 20_000, () => out);
  } finally {
    follow.kill();
  }
});

test("kubectl exec runs the command (locally, KWOK's exec simulation) and returns its output", async () => {
  const { stdout } = await run(cluster.binary, ["kubectl", `--kubeconfig=${cluster.kubeconfigPath}`, "exec", "web", "-n", "dude", "--", "echo", "hi"]);
  expect(stdout).toBe("hi\n");
});

test("kubectl port-forward to any pod port reaches the cluster's portForwardPort", async () => {
  const echo = await startEchoServer(cluster.portForwardPort as number);
  const pf = await startPortForward(cluster.binary, ["kubectl", `--kubeconfig=${cluster.kubeconfigPath}`, "port-forward", "-n", "dude", "pod/web"], 8080);
  try {
    expect((await roundTrip(pf.localPort, "ping\n")).reply).toBe("ping\n");
  } finally {
    await pf.kill("SIGTERM");
    await echo.close();
  }
});
