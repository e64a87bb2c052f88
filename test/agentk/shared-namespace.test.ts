/**
 * Two agents in one namespace, each as its own ServiceAccount with exactly the
 * RBAC `agentk generate` and infra/rbac give (runtime/common/rbac-rules): A
 * can neither read, take, rewrite nor delete B's Lease or inventory, while
 * each still elects itself and keeps its inventory. And a replica whose
 * Lease is taken says so, naming the holder, instead of going quiet.
 */
import { agentStateNames, createLogger } from "../../runtime/common";
import { InventoryStore } from "../../runtime/agentk/apply";
import { KubeApiError, KubeClient, kubeconfigAccess } from "../../runtime/agentk/kube";
import { runLeaderElection } from "../../runtime/agentk/leader";
import { microTime } from "../../runtime/agentk/leader/decide";
import { inventoryConfigMap } from "../../runtime/agentk/plan";
import { ownServiceAccount } from "../../runtime/agentk/self";
import { canI, startTestCluster, untilCan, type TestCluster } from "../cluster";
import { until } from "../until";
import { grantAgent } from "./rbac";

const NS = "shared-agents";
const A = agentStateNames("agent-a");
const B = agentStateNames("agent-b");
let cluster: TestCluster;
let kubeconfigA: string;
let kubeconfigB: string;
const clients: KubeClient[] = [];
const lines: string[] = [];
const logger = createLogger({ level: "debug", write: (l) => void lines.push(l) }, { component: "agentk" });

async function clientFor(kubeconfig: string): Promise<KubeClient> {
  const c = KubeClient.fromAccess(await kubeconfigAccess(kubeconfig));
  clients.push(c);
  return c;
}

/** `kubectl auth can-i` (a SelfSubjectAccessReview) as the holder of `kubeconfig`, in the shared namespace. */
const may = async (kubeconfig: string, args: readonly string[]): Promise<"yes" | "no"> => ((await canI(cluster, kubeconfig, [...args, "-n", NS])) ? "yes" : "no");

/** The HTTP status the apiserver answers a real request with. */
async function statusOf(request: Promise<unknown>): Promise<number> {
  try {
    await request;
    return 200;
  } catch (err) {
    if (err instanceof KubeApiError) return err.status;
    throw err;
  }
}

beforeAll(async () => {
  cluster = await startTestCluster();
  kubeconfigA = await grantAgent(cluster, NS, "agent-a", []);
  kubeconfigB = await grantAgent(cluster, NS, "agent-b", []);
  await untilCan(cluster, kubeconfigB, ["get", `leases.coordination.k8s.io/${B.lease}`, "-n", NS]);
}, 240_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await cluster?.stop();
});

describe("agent A's ServiceAccount and agent B's state in a shared namespace", () => {
  test.each<[string, "yes" | "no", string[]]>([
    ["get B's Lease", "no", ["get", `leases.coordination.k8s.io/${B.lease}`]],
    ["update B's Lease", "no", ["update", `leases.coordination.k8s.io/${B.lease}`]],
    ["patch B's Lease", "no", ["patch", `leases.coordination.k8s.io/${B.lease}`]],
    ["delete B's Lease", "no", ["delete", `leases.coordination.k8s.io/${B.lease}`]],
    ["get B's inventory", "no", ["get", `configmaps/${B.inventory}`]],
    ["update B's inventory", "no", ["update", `configmaps/${B.inventory}`]],
    ["patch B's inventory", "no", ["patch", `configmaps/${B.inventory}`]],
    ["delete B's inventory", "no", ["delete", `configmaps/${B.inventory}`]],
    ["list configmaps (every inventory)", "no", ["list", "configmaps"]],
    ["watch leases", "no", ["watch", "leases.coordination.k8s.io"]],
    ["create configmaps", "no", ["create", "configmaps"]],
    ["create leases", "no", ["create", "leases.coordination.k8s.io"]],
    ["get its own Lease", "yes", ["get", `leases.coordination.k8s.io/${A.lease}`]],
    ["update its own Lease", "yes", ["update", `leases.coordination.k8s.io/${A.lease}`]],
    ["get its own inventory", "yes", ["get", `configmaps/${A.inventory}`]],
    ["patch its own inventory", "yes", ["patch", `configmaps/${A.inventory}`]],
  ])("SelfSubjectAccessReview: may A %s? %s", async (_what, expected, args) => {
    expect(await may(kubeconfigA, args)).toBe(expected);
  });

  test("real requests as A on B's Lease and inventory: every one 403 Forbidden, and nothing changed", async () => {
    const a = await clientFor(kubeconfigA);
    const lease = `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases/${B.lease}`;
    const inventory = `/api/v1/namespaces/${NS}/configmaps/${B.inventory}`;
    const leaseBody = { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: B.lease, namespace: NS }, spec: { holderIdentity: "agent-a", leaseDurationSeconds: 86_400 } };
    const merge = { contentType: "application/merge-patch+json" };
    const statuses = {
      getLease: await statusOf(a.request("GET", lease)),
      putLease: await statusOf(a.request("PUT", lease, { body: leaseBody })),
      patchLease: await statusOf(a.request("PATCH", lease, { body: { spec: { holderIdentity: "agent-a" } }, ...merge })),
      deleteLease: await statusOf(a.request("DELETE", lease)),
      getInventory: await statusOf(a.request("GET", inventory)),
      patchInventory: await statusOf(a.request("PATCH", inventory, { body: { data: { forged: "dude_x__ConfigMap" } }, ...merge })),
      deleteInventory: await statusOf(a.request("DELETE", inventory)),
      listConfigMaps: await statusOf(a.request("GET", `/api/v1/namespaces/${NS}/configmaps`)),
    };
    expect(statuses).toEqual({
      getLease: 403, putLease: 403, patchLease: 403, deleteLease: 403,
      getInventory: 403, patchInventory: 403, deleteInventory: 403, listConfigMaps: 403,
    });
    const live = JSON.parse(await cluster.kubectl(["get", "-n", NS, `configmap/${B.inventory}`, "-o", "json"])) as { data?: Record<string, string> };
    expect(live.data?.forged).toBeUndefined();
  });

  test("each agent still works: it finds its ServiceAccount, elects itself on its own Lease and keeps its own inventory", async () => {
    const a = await clientFor(kubeconfigA);
    const b = await clientFor(kubeconfigB);
    expect(await ownServiceAccount(a, logger)).toBe("agent-a");
    expect(await ownServiceAccount(b, logger)).toBe("agent-b");

    const stop = new AbortController();
    const leading: string[] = [];
    const elect = (client: KubeClient, name: string, identity: string) =>
      runLeaderElection({ client, namespace: NS, name, identity, logger, signal: stop.signal, retryPeriodMs: 200, leaseDurationSeconds: 1, onStartedLeading: () => void leading.push(identity) });
    const elections = [elect(a, A.lease, "a-0"), elect(b, B.lease, "b-0")];
    try {
      await until("both agents lead, each on its own Lease", async () => (leading.length === 2 ? true : undefined), 20_000);
    } finally {
      stop.abort();
      await Promise.all(elections);
    }
    expect(leading.sort()).toEqual(["a-0", "b-0"]);

    // The same manifest project for both: each keeps it in its own ConfigMap.
    const ref = (name: string) => ({ group: "", kind: "ConfigMap", namespace: "dude", name });
    const storeA = new InventoryStore(a, NS, A.inventory, "1", "group/p", logger);
    const storeB = new InventoryStore(b, NS, B.inventory, "2", "group/p", logger);
    await storeA.write([ref("from-a")]);
    await storeB.write([ref("from-b")]);
    expect(await storeA.read()).toEqual([ref("from-a")]);
    expect(await storeB.read()).toEqual([ref("from-b")]);
  });
});

describe("a replica whose Lease is taken", () => {
  test("logs at error level that it lost leadership, naming the holder, and stops leading at once", async () => {
    const a = await clientFor(kubeconfigA);
    const stop = new AbortController();
    let lost: AbortSignal | undefined;
    const from = lines.length;
    const election = runLeaderElection({
      client: a, namespace: NS, name: A.lease, identity: "a-victim", logger, signal: stop.signal,
      retryPeriodMs: 200, renewDeadlineMs: 60_000, onStartedLeading: (signal) => void (lost = signal),
    });
    try {
      await until("a-victim leads", async () => lost, 20_000);
      // What any writer of the Lease could do before its Role named it (here the admin stands in): hold it for a day.
      const now = microTime(new Date());
      await cluster.kubectl(["patch", "lease", A.lease, "-n", NS, "--type=merge", "-p", JSON.stringify({ spec: { holderIdentity: "mallory", renewTime: now, acquireTime: now, leaseDurationSeconds: 86_400 } })]);
      await until("a-victim stops leading", async () => (lost?.aborted ? true : undefined), 10_000);
    } finally {
      stop.abort();
      await election;
    }
    const logged = lines.slice(from).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged).toContainEqual(expect.objectContaining({ level: "error", msg: "Lost leadership: stopped syncing", holder: "mallory", identity: "a-victim", name: A.lease }));
  });
});

describe("an inventory an older agentk kept per manifest project (agentk-inventory-<id>-<hash>)", () => {
  const ref = (name: string) => ({ group: "", kind: "ConfigMap", namespace: "dude", name });
  /** The older ConfigMap, in the format that agentk wrote (cli-utils': one key per object, the inventory id as a label). */
  async function legacyInventory(store: InventoryStore, refs: ReturnType<typeof ref>[]): Promise<void> {
    const admin = await clientFor(cluster.kubeconfigPath);
    await admin.request("POST", `/api/v1/namespaces/${NS}/configmaps`, { body: inventoryConfigMap(store.legacyName, NS, store.id, refs) });
  }
  const exists = async (name: string) => (await cluster.kubectl(["get", "-n", NS, `configmap/${name}`, "--ignore-not-found", "-o", "name"])).trim() !== "";

  test("readable: carried over under the same inventory id (objects stay owned), then deleted", async () => {
    const admin = await clientFor(cluster.kubeconfigPath);
    const store = new InventoryStore(admin, NS, A.inventory, "7", "group/old", logger);
    await legacyInventory(store, [ref("kept"), ref("gone-from-git")]);
    expect(await store.read()).toEqual([ref("gone-from-git"), ref("kept")]);
    await store.write([ref("kept")]);
    expect(await exists(store.legacyName)).toBe(false);
    const live = JSON.parse(await cluster.kubectl(["get", "-n", NS, `configmap/${A.inventory}`, "-o", "json"])) as { data: Record<string, string> };
    expect(live.data[store.id]).toBe("dude_kept__ConfigMap");
  });

  test("unreadable with the agent's Role: the sync starts from Git, with a warning naming the older ConfigMap, which is left alone", async () => {
    const store = new InventoryStore(await clientFor(kubeconfigA), NS, A.inventory, "8", "group/old", logger);
    await legacyInventory(store, [ref("x")]);
    const from = lines.length;
    expect(await store.read()).toEqual([]);
    const warned = lines.slice(from).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(warned).toContainEqual(expect.objectContaining({ level: "warn", name: store.legacyName, msg: expect.stringContaining(`Delete ${NS}/${store.legacyName}`) }));
    expect(await exists(store.legacyName)).toBe(true);
  });
});

describe("the agent's inventory ConfigMap missing", () => {
  const ref = { group: "", kind: "ConfigMap", namespace: "dude", name: "x" };

  test("run as an admin (out of the cluster), agentk creates it on its first write", async () => {
    const store = new InventoryStore(await clientFor(cluster.kubeconfigPath), NS, "agent-5-inventory", "5", "group/p", logger);
    expect(await store.read()).toEqual([]);
    await store.write([ref]);
    expect(await store.read()).toEqual([ref]);
  });

  test("as the agent's ServiceAccount, the write fails naming the ConfigMap and what creates it", async () => {
    await cluster.kubectl(["delete", "-n", NS, `configmap/${B.inventory}`]);
    const store = new InventoryStore(await clientFor(kubeconfigB), NS, B.inventory, "2", "group/p", logger);
    expect(await store.read()).toEqual([]);
    await expect(store.write([ref])).rejects.toThrow(
      `cannot write the agent's inventory ConfigMap ${NS}/${B.inventory} (Forbidden: configmaps "${B.inventory}" is forbidden: User "system:serviceaccount:${NS}:agent-b" cannot create resource "configmaps"`,
    );
  });
});
