/**
 * Leader election while the apiserver fails: as the agent's ServiceAccount on
 * the real apiserver, through a proxy that fails every Lease request in
 * changing ways (a reset, then a 503, and again), as an apiserver going down
 * or flapping behind a load balancer does. The reason changes at every 2 s
 * retry, and each change used to be a log line.
 */
import { agentStateNames, createLogger } from "../../runtime/common";
import { KubeClient, kubeconfigAccess } from "../../runtime/agentk/kube";
import { runLeaderElection } from "../../runtime/agentk/leader";
import { startTestCluster, untilCan, type TestCluster } from "../cluster";
import { until } from "../until";
import { startFailingProxy } from "./failing-proxy";
import { grantAgent } from "./rbac";

const NS = "leader-log";
const A = agentStateNames("agent-a");
let cluster: TestCluster;
let kubeconfig: string;
const lines: string[] = [];
const logger = createLogger({ level: "debug", write: (l) => void lines.push(l) }, { component: "agentk" });

beforeAll(async () => {
  cluster = await startTestCluster();
  kubeconfig = await grantAgent(cluster, NS, "agent-a", []);
  await untilCan(cluster, kubeconfig, ["update", `leases.coordination.k8s.io/${A.lease}`, "-n", NS]);
}, 240_000);

afterAll(async () => {
  await cluster?.stop();
});

test("failing Lease requests whose reason changes at every retry: at most 3 'Not leader' lines, not one per retry; then the replica leads", async () => {
  let failing = true;
  let failed = 0;
  const proxy = await startFailingProxy(await kubeconfigAccess(kubeconfig), (_method, path) => {
    if (!failing || !path.includes("/leases")) return "pass";
    return failed++ % 2 === 0 ? "reset" : { status: 503 };
  });
  const client = KubeClient.fromAccess(proxy.access);
  const stop = new AbortController();
  let leading = false;
  const election = runLeaderElection({ client, namespace: NS, name: A.lease, identity: "agent-a-1", logger, signal: stop.signal, retryPeriodMs: 20, onStartedLeading: () => void (leading = true) });
  try {
    await until("30 failed Lease requests", async () => (failed >= 30 ? true : undefined), 20_000, undefined, 20);
    const notLeader = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === "Not leader");
    expect(notLeader.length).toBeGreaterThanOrEqual(1);
    expect(notLeader.length).toBeLessThanOrEqual(3);
    for (const l of notLeader) expect(l).toMatchObject({ level: "error", reason: expect.stringMatching(/^request for Lease leader-log\/agent-a-lock failed: /) });
    failing = false;
    await until("leadership once the apiserver answers", async () => (leading ? true : undefined), 20_000, () => lines.join(""), 20);
    expect(lines.join("")).toContain('"msg":"Became leader"');
  } finally {
    stop.abort();
    await election;
    client.close();
    await proxy.close();
  }
});
