/**
 * Issue 17: "2 h max connection age cuts long watches". The agent's gRPC
 * connection is closed after agent_connections.max_connection_age (GOAWAY,
 * then its streams end after the grace) so that no credential lives forever;
 * a tunnel carrying kubectl's watch is one of those streams. A watch must
 * last as long as the client wants (bounded by the idle rule and by
 * revocation only); the agent's other streams still end after the age.
 * Tested with an age of 3 s and a grace of 1 s.
 */
import { spawn } from "node:child_process";
import { until } from "../until";
import { AGENT, startKubeApiScenario, type KubeApiScenario } from "./scenario";

let sc: KubeApiScenario;

beforeAll(async () => {
  sc = await startKubeApiScenario({ agentConnections: { max_connection_age: "3s", max_connection_age_grace: "1s" } });
}, 240_000);

afterAll(async () => {
  await sc?.stop();
});

test("kubectl get -w outlives the agent connection's max age and grace; other requests go through the agent's new connection", async () => {
  const file = sc.kubeconfig("watch", sc.issuer.idToken("group/ci-project"));
  const child = spawn(sc.binary, sc.kubectlArgs(file, ["get", "configmaps", "-n", "dude", "-w", "-o", "name"]), { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString("utf8")));
  child.stderr.on("data", (d: Buffer) => (err += d.toString("utf8")));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  try {
    await until("the watch open through the tunnel", async () => (sc.kas.kas.tunnels.counts(AGENT.id).inUse === 1 ? true : undefined), 20_000, () => `stdout: ${out}\nstderr: ${err}`);
    // Three ages and graces: the connection the watch started on has long been told to go away.
    await new Promise((resolve) => setTimeout(resolve, 12_000));
    expect(child.exitCode).toBeNull();
    await sc.cluster.kubectl(["create", "configmap", "-n", "dude", "after-age"]);
    await until("the event", async () => (out.includes("configmap/after-age") ? true : undefined), 10_000, () => `stdout: ${out}\nstderr: ${err}\nexit: ${child.exitCode}`);
    const other = await sc.kubectl(file, ["get", "configmap", "-n", "dude", "after-age", "-o", "name"]);
    expect(other).toMatchObject({ ok: true, stdout: "configmap/after-age\n" });
  } finally {
    if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, "SIGTERM");
    await exited;
  }
  await sc.tunnelsFreed();
}, 90_000);
