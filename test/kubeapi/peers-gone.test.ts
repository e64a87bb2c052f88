/**
 * Streams through the tunnel when a peer goes away, with agentk as a real
 * process: kill -9 agentk under a watch, a followed log, an interactive exec
 * and a port-forward (every kubectl ends promptly and says why, as far as its
 * protocol lets kas tell it; kas drops the dead agent's tunnels; a restarted
 * agentk serves again), and kas shutting down with an exec and a
 * port-forward open (it ends them and does not hang).
 */
import { roundTrip, spawnCommand, startEchoServer, startPortForward, type EchoServer, type Spawned } from "../cluster";
import { until } from "../until";
import { debugPods } from "./pods";
import { AGENT, startKubeApiProcessScenario, type KubeApiProcessScenario } from "./scenario";

let sc: KubeApiProcessScenario;
let file: string;
let echo: EchoServer;

beforeAll(async () => {
  sc = await startKubeApiProcessScenario({ cluster: { kubeletServer: true } });
  await debugPods(sc.cluster, ["pods/log", "pods/exec", "pods/portforward"]);
  file = sc.kubeconfig("debug", sc.issuer.idToken("group/ci-project"));
  echo = await startEchoServer(sc.cluster.portForwardPort as number);
}, 240_000);

afterAll(async () => {
  await echo?.close();
  await sc?.stop();
});

const kubectl = (args: string[]): Spawned => spawnCommand(sc.binary, sc.kubectlArgs(file, args));
const inUse = (n: number) => () => until(`${n} tunnel(s) in use`, async () => (sc.kas.kas.tunnels.counts(AGENT.id).inUse === n ? true : undefined), 20_000, () => JSON.stringify(sc.kas.kas.tunnels.counts(AGENT.id)));
const shows = (p: Spawned, text: string) => until(`kubectl shows ${JSON.stringify(text)}`, async () => (p.stdout().includes(text) ? true : undefined), 20_000, p.output);

/** An interactive `kubectl exec -i -- cat` that has echoed its first line. */
async function catExec(): Promise<Spawned> {
  const p = kubectl(["exec", "-i", "web", "-n", "dude", "--", "cat"]);
  p.child.stdin?.write("hello cat\n");
  await shows(p, "hello cat");
  return p;
}

/** Waits (at most `ms`) for the exit; the kubectl must not hang. */
async function exitWithin(p: Spawned, ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const timeout = new Promise<never>((_r, reject) => setTimeout(() => reject(new Error(`kubectl still running after ${ms} ms\n${p.output()}`)), ms).unref());
  return Promise.race([p.exited, timeout]);
}

test("kill -9 agentk under get -w, logs -f, exec and port-forward: each kubectl ends promptly and says why; kas drops the dead tunnels; a restarted agentk serves", async () => {
  sc.cluster.appendPodLog("before the kill");
  const watch = kubectl(["get", "pods", "-w", "-n", "dude"]);
  const logs = kubectl(["logs", "-f", "web", "-n", "dude"]);
  const all = [watch, logs];
  try {
    await shows(watch, "web");
    await shows(logs, "before the kill");
    all.push(await catExec());
    const pf = await startPortForward(sc.binary, sc.kubectlArgs(file, ["port-forward", "-n", "dude", "pod/web"]));
    all.push(pf);
    await roundTrip(pf.localPort, "before the kill\n", false);
    await inUse(4)();
    await sc.agentk.kill("SIGKILL");
    const ends = await Promise.all(all.map((p) => exitWithin(p, 15_000)));
    const seen = ends.map((end, i) => ({ command: ["get -w", "logs -f", "exec", "port-forward"][i], code: end.code, stdout: (all[i] as Spawned).stdout(), stderr: (all[i] as Spawned).stderr() }));
    // get -w exits 0 whatever ends its watch (kubectl 1.36 get.go discards the watch loop's error), so it prints
    // the ERROR event kas ends the watch with; logs -f is plain text with no room for a message, so Go's
    // "unexpected EOF" is all there is; exec gets a Status on its error channel; port-forward (SPDY framed in
    // the WebSocket) has kubectl's own message.
    expect(seen.map((s) => ({ command: s.command, failed: s.code !== 0, said: `${s.stdout}${s.stderr}` }))).toEqual([
      { command: "get -w", failed: false, said: expect.stringMatching(/ServiceUnavailable +kas: the watch broke: agent 7's tunnel closed \(the agent went away/) },
      { command: "logs -f", failed: true, said: expect.stringContaining("error: unexpected EOF") },
      { command: "exec", failed: true, said: expect.stringContaining("error: kas: the connection broke: agent 7's tunnel closed (the agent went away") },
      { command: "port-forward", failed: true, said: expect.stringContaining("error: lost connection to pod") },
    ]);
    await until("kas: no tunnel of the dead agent", async () => {
      const c = sc.kas.kas.tunnels.counts(AGENT.id);
      return c.idle === 0 && c.inUse === 0 ? true : undefined;
    }, 10_000, () => JSON.stringify(sc.kas.kas.tunnels.counts(AGENT.id)));
  } finally {
    await Promise.all(all.map((p) => p.kill()));
  }
  await sc.agentk.start();
  await until("4 idle tunnels from the new agentk", async () => (sc.kas.kas.tunnels.counts(AGENT.id).idle === 4 ? true : undefined), 30_000, sc.agentk.output);
  const r = await sc.kubectl(file, ["exec", "web", "-n", "dude", "--", "echo", "back"]);
  expect(r).toMatchObject({ ok: true, stdout: "back\n" });
  await sc.tunnelsFreed();
}, 120_000);

test("kas shutting down with an exec and a port-forward open: it ends both client connections and does not hang", async () => {
  const exec = await catExec();
  const pf = await startPortForward(sc.binary, sc.kubectlArgs(file, ["port-forward", "-n", "dude", "pod/web"]));
  try {
    const { socket } = await roundTrip(pf.localPort, "open\n", false);
    const localClosed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    await inUse(2)();
    const closed = sc.kas.kas.close().then(() => "closed");
    const timeout = new Promise((resolve) => setTimeout(() => resolve("timed out"), 10_000).unref());
    expect(await Promise.race([closed, timeout])).toBe("closed");
    expect((await exitWithin(exec, 10_000)).code).not.toBe(0);
    await localClosed;
  } finally {
    await exec.kill();
    await pf.kill();
  }
}, 90_000);
