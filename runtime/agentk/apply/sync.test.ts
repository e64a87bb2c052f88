/** The apply pipeline on the real test cluster, as the agent's ServiceAccount with exactly its Roles. */
import { createHash } from "node:crypto";
import { agentStateNames, silentLogger, createLogger } from "../../common";
import { MANIFEST_PROJECT_DEFAULTS, type GitopsScope, type ManifestProject, type ObjectsBatch } from "../../rpc";
import { startTestCluster, type TestCluster } from "../../../test/cluster";
import { grantAgent } from "../../../test/agentk/rbac";
import { nginx } from "../../../test/agentk/scenario";
import { Discovery, KubeClient, kubeconfigAccess } from "../kube";
import { exampleCrd } from "../plan/testdata/fixtures";
import { ObjectStore, prefetchLive, syncCommit, type SyncOutcome } from "./index";

const AGENT_NS = "gitlab-k8s-agent";
const INVENTORY = agentStateNames("agentk").inventory;
let cluster: TestCluster;
let store: ObjectStore;
let admin: ObjectStore;
const logs: string[] = [];
const logger = createLogger({ level: "debug", write: (l) => void logs.push(l) });

async function storeFor(kubeconfig: string): Promise<ObjectStore> {
  const client = KubeClient.fromAccess(await kubeconfigAccess(kubeconfig));
  const d = new Discovery(client);
  await d.refresh();
  return new ObjectStore(client, d);
}

beforeAll(async () => {
  cluster = await startTestCluster();
  store = await storeFor(await grantAgent(cluster, AGENT_NS, "agentk", ["dude"]));
  admin = await storeFor(cluster.kubeconfigPath);
  await cluster.kubectl(["create", "namespace", "naww"]);
}, 240_000);
afterAll(async () => {
  store?.client.close();
  admin?.client.close();
  await cluster?.stop();
});

const project = (over: Partial<ManifestProject> = {}): ManifestProject => ({ id: "group/manifests", ref: {}, ...MANIFEST_PROJECT_DEFAULTS, ...over });
const cluster_scope: GitopsScope = { mode: "cluster", namespaces: [] };
const batch = (commitId: string, files: Record<string, string>, projectId = "group/manifests"): ObjectsBatch => ({
  commitId,
  projectId,
  files: Object.entries(files).map(([path, data]) => ({ path, data: Buffer.from(data) })),
});
const writesOf = (s: ObjectStore): number => ["POST", "PUT", "PATCH", "DELETE"].reduce((n, m) => n + (s.client.counts[m] ?? 0), 0);
const run = (s: ObjectStore, b: ObjectsBatch, over: Partial<ManifestProject> = {}, agentId = "1", scope = cluster_scope): Promise<SyncOutcome> =>
  syncCommit(s, { batch: b, project: project(over), scope, agentId, agentNamespace: AGENT_NS, inventoryName: INVENTORY, signal: new AbortController().signal, waitTimeoutMs: 60_000 }, logger);
/** A sync that skips step 7 (waiting for Current), so its requests are steps 1-6 only. */
const noWait = () => ({ project: project(), scope: cluster_scope, agentId: "1", agentNamespace: AGENT_NS, inventoryName: INVENTORY, signal: new AbortController().signal, waitSignal: AbortSignal.abort() });

describe("sync on the real cluster", () => {
  test("dude/naww: dude is applied and Current, naww fails Forbidden, the sync reports 1 resources failed", async () => {
    const out = await run(store, batch("c1", { "manifests/dude.yaml": nginx("dude"), "manifests/naww.yaml": nginx("naww") }));
    expect(out.error).toBe("1 resources failed");
    const byNs = (ns: string) => out.results.filter((r) => r.ref.namespace === ns).map((r) => r.status);
    expect(byNs("dude")).toEqual(["Applied", "Current"]);
    expect(byNs("naww")).toEqual(["ApplyFailed"]);
    const forbidden = out.results.find((r) => r.ref.namespace === "naww")!;
    expect(forbidden.message).toContain("Forbidden");
    expect(forbidden.message).toContain('cannot get resource "deployments"');
    const dep = JSON.parse(await cluster.kubectl(["get", "deployment", "-n", "dude", "nginx-deployment-dude", "-o", "json"])) as { status: { availableReplicas: number } };
    expect(dep.status.availableReplicas).toBe(1);
    expect(await cluster.kubectl(["get", "deployments", "-n", "naww", "-o", "name"])).toBe("");
    const text = logs.join("");
    expect(text).toContain('"msg":"Synchronizing objects"');
    expect(text).toMatch(/"msg":"Synchronization failed".*"error":"1 resources failed"/);
    expect(text).toMatch(/"eventType":"resourceStatus".*"namespace":"naww".*"status":"ApplyFailed"/);
  });

  test("a re-sync where nothing changed sends no write request", async () => {
    const b = batch("c2", { "manifests/dude.yaml": nginx("dude") });
    await run(store, b, { prune: false });
    const before = writesOf(store);
    const out = await run(store, b, { prune: false });
    expect(writesOf(store) - before).toBe(0);
    expect(out.results.find((r) => r.ref.kind === "Deployment")!.status).toBe("Skipped");
  });

  test("a no-op re-sync reads once: unchanged objects the apply step found Current are not read again to wait for them", async () => {
    const cms = { "manifests/quiet.yaml": [0, 1, 2].map((i) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: quiet-${i}, namespace: dude}\ndata: {a: "${i}"}\n`).join("---\n") };
    await run(store, batch("q1", cms), { prune: false });
    const gets = store.client.counts.GET ?? 0;
    const out = await run(store, batch("q1", cms), { prune: false });
    expect(out.results.filter((r) => r.ref.name.startsWith("quiet-")).map((r) => r.status)).toEqual(["Skipped", "Skipped", "Skipped", "Current", "Current", "Current"]);
    // the inventory, then one LIST of the ConfigMaps in dude; none while waiting
    expect((store.client.counts.GET ?? 0) - gets).toBe(2);
  });

  test("the live objects are read a page at a time (a big namespace's list is never one huge answer)", async () => {
    const keys = [0, 1, 2].map((i) => ({ apiVersion: "v1", group: "", kind: "ConfigMap", name: `quiet-${i}`, namespace: "dude" }));
    const gets = store.client.counts.GET ?? 0;
    const live = await prefetchLive(store, keys, [], 2);
    expect(keys.map((k) => (live.get(`dude_${k.name}__ConfigMap`)?.data as Record<string, string> | undefined)?.a)).toEqual(["0", "1", "2"]);
    expect((store.client.counts.GET ?? 0) - gets).toBeGreaterThanOrEqual(2);
  });

  test("an update is applied; an object removed from Git is pruned; the inventory follows", async () => {
    await run(store, batch("c3", { "manifests/dude.yaml": nginx("dude", 2), "cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: extra, namespace: dude}\ndata: {a: b}\n" }));
    expect(await cluster.kubectl(["get", "deploy", "-n", "dude", "nginx-deployment-dude", "-o", "jsonpath={.spec.replicas}"])).toBe("2");
    expect(await cluster.kubectl(["get", "configmap", "-n", "dude", "extra", "-o", "name"])).toBe("configmap/extra\n");
    const out = await run(store, batch("c4", { "manifests/dude.yaml": nginx("dude", 2) }));
    expect(out.results.filter((r) => r.status === "Pruned").map((r) => r.ref.name)).toEqual(["extra"]);
    await expect(cluster.kubectl(["get", "configmap", "-n", "dude", "extra"])).rejects.toThrow(/NotFound/);
    const inv = await cluster.kubectl(["get", "configmap", "-n", AGENT_NS, INVENTORY, "-o", "json"]);
    const key = `agent-1-${createHash("sha256").update("group/manifests").digest("hex").slice(0, 10)}`;
    expect((JSON.parse(inv) as { data: Record<string, string> }).data[key]).toBe("dude_nginx-deployment-dude_apps_Deployment");
  });

  test("pruning half of a kind reads the pruned objects from the list step 4 took (no GET each) and deletes them all", async () => {
    const cms = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`cm/${i}.yaml`, `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: half-${i}, namespace: dude}\ndata: {i: "${i}"}\n`]));
    expect((await run(store, batch("h1", cms(10), "group/half"), {}, "1")).error).toBeUndefined();
    const gets = store.client.counts.GET ?? 0;
    const out = await syncCommit(store, { ...noWait(), batch: batch("h2", cms(5), "group/half") }, logger);
    expect(out.results.filter((r) => r.status === "Pruned").map((r) => r.ref.name).sort()).toEqual(["half-5", "half-6", "half-7", "half-8", "half-9"]);
    // the inventory and one LIST of dude's ConfigMaps (the kept five are read from it too); step 7 is skipped
    expect((store.client.counts.GET ?? 0) - gets).toBeLessThan(5);
    expect(await cluster.kubectl(["get", "cm", "-n", "dude", "-o", "name", "-l", "!nothing"])).not.toMatch(/half-[5-9]/);
  });

  test("an object another inventory took over after step 4's list is not pruned (the delete is at the listed resourceVersion)", async () => {
    const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}, namespace: dude}\n`;
    expect((await run(store, batch("r1", { "a.yaml": cm("race-a"), "b.yaml": cm("race-b"), "c.yaml": cm("race-c") }, "group/race"), {}, "1")).error).toBeUndefined();
    // Another agent adopts race-b between the list (two kept objects: one LIST) and the delete.
    const racing = new (class extends ObjectStore {
      override async delete(...args: Parameters<ObjectStore["delete"]>): Promise<void> {
        if (args[2] === "race-b" && args[4]) await cluster.kubectl(["annotate", "--overwrite", "cm", "-n", "dude", "race-b", "config.k8s.io/owning-inventory=someone-else"]);
        return super.delete(...args);
      }
    })(store.client, store.discovery);
    const out = await syncCommit(racing, { ...noWait(), batch: batch("r2", { "a.yaml": cm("race-a"), "c.yaml": cm("race-c") }, "group/race") }, logger);
    expect(out.results.find((r) => r.ref.name === "race-b")!.status).toBe("PruneSkipped");
    expect(await cluster.kubectl(["get", "cm", "-n", "dude", "race-b", "-o", "name"])).toBe("configmap/race-b\n");
  });

  test.each([
    ["bad YAML", { "a.yaml": "kind: [" }, "a.yaml"],
    ["a missing name", { "a.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n" }, "metadata.name"],
    ["a namespace on a cluster-scoped kind", { "a.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: x, namespace: dude}\n" }, "cluster-scoped"],
    ["the same object twice", { "a.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: dude}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: dude}\n" }, "document 1"],
  ])("a commit with %s is rejected before any write, naming the file and document", async (_name, files, expected) => {
    const before = writesOf(store);
    const out = await run(store, batch("bad", { "manifests/dude.yaml": nginx("dude", 3), ...files }));
    expect(out.rejected!.join("\n")).toContain(expected);
    expect(writesOf(store) - before).toBe(0);
    expect(await cluster.kubectl(["get", "deploy", "-n", "dude", "nginx-deployment-dude", "-o", "jsonpath={.spec.replicas}"])).toBe("2");
  });

  test("namespaced scope and kind rules refuse objects before any API call", async () => {
    const before = store.client.counts.PATCH ?? 0;
    const out = await run(
      store,
      batch("c5", {
        "manifests/dude.yaml": nginx("dude", 2),
        "cr.yaml": "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: nope}\nrules: []\n",
        "secret.yaml": "apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: dude}\n",
      }),
      { prune: false, resource_exclusions: [{ api_groups: [""], kinds: ["Secret"] }] },
      "1",
      { mode: "namespaced", namespaces: ["dude"] },
    );
    const failed = out.results.filter((r) => r.status === "ApplyFailed");
    expect(failed.map((r) => r.ref.kind).sort()).toEqual(["ClusterRole", "Secret"]);
    expect(failed.map((r) => r.message).join("\n")).toMatch(/namespaced mode/);
    expect((store.client.counts.PATCH ?? 0) - before).toBe(0);
  });

  test.each([
    ["server", "Applied", "(server dry run)"],
    ["client", "Skipped", "dry run (client): not sent"],
  ] as const)("dry_run_strategy %s validates without changing the cluster", async (strategy, status, message) => {
    const before = await cluster.kubectl(["get", "deploy", "-n", "dude", "nginx-deployment-dude", "-o", "jsonpath={.spec.replicas}"]);
    const out = await run(store, batch(`dry-${strategy}`, { "manifests/dude.yaml": nginx("dude", 7) }), { prune: false, dry_run_strategy: strategy });
    const dep = out.results.find((r) => r.ref.kind === "Deployment")!;
    expect(dep.status).toBe(status);
    expect(dep.message).toContain(message);
    expect(await cluster.kubectl(["get", "deploy", "-n", "dude", "nginx-deployment-dude", "-o", "jsonpath={.spec.replicas}"])).toBe(before);
  });

  test("a CRD and a custom resource of it in one commit (cluster mode, admin rights)", async () => {
    const crd = exampleCrd("Widget", "widgets");
    const out = await run(admin, batch("c6", { "1-widget.yaml": "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: dude}\nspec: {size: 3}\n", "0-crd.yaml": crd }, "group/crds"), {}, "9");
    expect(out.error).toBeUndefined();
    expect(out.results.filter((r) => r.status === "Applied").map((r) => r.ref.kind)).toEqual(["CustomResourceDefinition", "Widget"]);
    expect(await cluster.kubectl(["get", "widgets.example.com", "-n", "dude", "w", "-o", "jsonpath={.spec.size}"])).toBe("3");
  });

  test("inventory policy between two agents: must_match refuses another's object, adopt_all takes it over", async () => {
    const cm = { "cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: shared, namespace: dude}\ndata: {owner: a}\n" };
    expect((await run(store, batch("a1", cm, "group/a"), {}, "1")).error).toBeUndefined();
    const other = { "cm.yaml": cm["cm.yaml"].replace("owner: a", "owner: b") };
    const refused = await run(store, batch("b1", other, "group/b"), { inventory_policy: "must_match" }, "2");
    expect(refused.error).toBe("1 resources failed");
    expect(refused.results[0]!.message).toMatch(/inventory/);
    expect(await cluster.kubectl(["get", "cm", "-n", "dude", "shared", "-o", "jsonpath={.data.owner}"])).toBe("a");
    const adopted = await run(store, batch("b2", other, "group/b"), { inventory_policy: "adopt_all" }, "2");
    expect(adopted.error).toBeUndefined();
    expect(await cluster.kubectl(["get", "cm", "-n", "dude", "shared", "-o", "jsonpath={.data.owner}"])).toBe("b");
    // agent 1 removes it from Git: it is no longer agent 1's to prune
    const pruned = await run(store, batch("a2", {}, "group/a"), {}, "1");
    expect(pruned.results.find((r) => r.ref.name === "shared")!.status).toBe("PruneSkipped");
    expect(await cluster.kubectl(["get", "cm", "-n", "dude", "shared", "-o", "name"])).toBe("configmap/shared\n");
  });
});

test("silentLogger is usable as a logger", () => expect(() => silentLogger.info("x")).not.toThrow());
