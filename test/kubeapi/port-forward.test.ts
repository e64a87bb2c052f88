/**
 * `kubectl port-forward` through kas's Kubernetes API proxy and agentk's
 * tunnels: an upgraded connection (kubectl 1.36 asks for WebSocket
 * portforward.k8s.io tunneling, falling back to SPDY) to
 * pods/<name>/portforward. KWOK's kubelet forwards every pod port to the test
 * cluster's portForwardPort, where this test runs a TCP echo server.
 */
import { roundTrip, startEchoServer, startPortForward, type EchoServer } from "../cluster";
import { debugPods } from "./pods";
import { AGENT, startKubeApiScenario, type KubeApiScenario } from "./scenario";

let sc: KubeApiScenario;
let file: string;
let echo: EchoServer;

beforeAll(async () => {
  sc = await startKubeApiScenario({ cluster: { kubeletServer: true } });
  // The agent may port-forward in dude; in naww it may only read pods, so the apiserver refuses the port-forward itself.
  await debugPods(sc.cluster, ["pods/portforward"], ["naww"]);
  file = sc.kubeconfig("forward", sc.issuer.idToken("group/ci-project"));
  echo = await startEchoServer(sc.cluster.portForwardPort as number);
}, 240_000);

afterAll(async () => {
  await echo?.close();
  await sc?.stop();
});

const forward = (ns: string, env: NodeJS.ProcessEnv = {}) => startPortForward(sc.binary, sc.kubectlArgs(file, ["port-forward", "-n", ns, "pod/web"]), 80, env);

// kubectl 1.36 tunnels SPDY over a WebSocket by default; KUBECTL_PORT_FORWARD_WEBSOCKETS=false makes it upgrade to SPDY directly.
test.each([
  ["WebSocket", {}],
  ["SPDY", { KUBECTL_PORT_FORWARD_WEBSOCKETS: "false" }],
])("kubectl port-forward (%s) in dude reaches the echo server behind the fake pod, over several connections; ending kubectl frees the tunnel", async (_protocol, env) => {
  const pf = await forward("dude", env);
  try {
    expect((await roundTrip(pf.localPort, "ping\n")).reply).toBe("ping\n");
    // A second local connection: a new stream on the same upgraded connection, the same tunnel.
    expect((await roundTrip(pf.localPort, "x".repeat(200_000))).reply).toBe("x".repeat(200_000));
    expect(sc.kas.kas.tunnels.counts(AGENT.id).inUse).toBe(1);
  } finally {
    await pf.kill("SIGTERM");
  }
  await sc.tunnelsFreed();
}, 90_000);

test("kubectl port-forward in naww: the apiserver's Forbidden comes back through the upgrade path", async () => {
  const pf = await forward("naww").then(
    async (p) => {
      await p.kill();
      throw new Error(`port-forward in naww was allowed:\n${p.output()}`);
    },
    (err: unknown) => String(err),
  );
  expect(pf).toContain('cannot create resource "pods/portforward" in API group "" in the namespace "naww"');
  await sc.tunnelsFreed();
}, 60_000);

// (Not asserted: KWOK's side of a forwarded connection closing. KWOK keeps its dial to the target open after
// kubectl ends even without kas in the path; test/cluster/kubelet-server.test.ts runs port-forward directly.)
test("kill -9 kubectl while a forwarded connection is open: kas and agentk free the tunnel", async () => {
  const pf = await forward("dude");
  const { socket } = await roundTrip(pf.localPort, "still here\n", false);
  expect(sc.kas.kas.tunnels.counts(AGENT.id).inUse).toBe(1);
  await pf.kill("SIGKILL");
  socket.destroy();
  await sc.tunnelsFreed();
}, 60_000);
