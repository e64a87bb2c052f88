/**
 * A field deleted from Git is deleted from the cluster by the next sync (the
 * server-side apply that removes it is sent), and a sync that changes nothing
 * still sends no write: on the real test cluster, as the agent's ServiceAccount.
 */
import { agentStateNames, createLogger } from "../../common";
import { MANIFEST_PROJECT_DEFAULTS, type ObjectsBatch } from "../../rpc";
import { startTestCluster, type TestCluster } from "../../../test/cluster";
import { grantAgent } from "../../../test/agentk/rbac";
import { Discovery, KubeClient, kubeconfigAccess } from "../kube";
import { ObjectStore, syncCommit, type SyncOutcome } from "./index";

const AGENT_NS = "gitlab-k8s-agent";
const NS = "fields";
let cluster: TestCluster;
let store: ObjectStore;
const logs: string[] = [];
const logger = createLogger({ level: "debug", write: (l) => void logs.push(l) });

beforeAll(async () => {
  cluster = await startTestCluster();
  const client = KubeClient.fromAccess(await kubeconfigAccess(await grantAgent(cluster, AGENT_NS, "agentk", [NS])));
  const discovery = new Discovery(client);
  await discovery.refresh();
  store = new ObjectStore(client, discovery);
}, 240_000);
afterAll(async () => {
  store?.client.close();
  await cluster?.stop();
});

const writesOf = (s: ObjectStore): number => ["POST", "PUT", "PATCH", "DELETE"].reduce((n, m) => n + (s.client.counts[m] ?? 0), 0);
let commits = 0;
function sync(files: Record<string, string>): Promise<SyncOutcome> {
  const batch: ObjectsBatch = { commitId: `c${++commits}`, projectId: "group/fields", files: Object.entries(files).map(([path, data]) => ({ path, data: Buffer.from(data) })) };
  const project = { id: "group/fields", ref: {}, ...MANIFEST_PROJECT_DEFAULTS, default_namespace: NS };
  return syncCommit(store, { batch, project, scope: { mode: "cluster", namespaces: [] }, agentId: "1", agentNamespace: AGENT_NS, inventoryName: agentStateNames("agentk").inventory, signal: new AbortController().signal, waitTimeoutMs: 30_000 }, logger);
}

const configMap = (o: { label?: boolean; annotation?: boolean; key?: boolean }): string => `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  labels: {app: web${o.label ? ", tier: front" : ""}}
  annotations: {team: a${o.annotation ? ", note: remove-me" : ""}}
data:
  kept: "1"
${o.key ? '  removed: "2"\n' : ""}`;

/** A Deployment as JSON (a YAML file may hold JSON), with the fields a test removes switched on. */
function deployment(o: { env?: boolean; port?: boolean; portName?: boolean; workingDir?: boolean }): string {
  const container = {
    name: "web",
    image: "nginx:1.27",
    ...(o.workingDir ? { workingDir: "/srv/remove-me" } : {}),
    env: [{ name: "KEPT", value: "1" }, ...(o.env ? [{ name: "REMOVED", value: "2" }] : [])],
    ports: [{ containerPort: 80, ...(o.portName ? { name: "http-remove-me" } : {}) }, ...(o.port ? [{ containerPort: 9090, name: "metrics" }] : [])],
  };
  const labels = { app: "web" };
  const spec = { replicas: 0, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [container] } } };
  return JSON.stringify({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" }, spec });
}

const kubectlJson = async (kind: string, name: string): Promise<string> => cluster.kubectl(["get", kind, "-n", NS, name, "-o", "json"]);

test.each([
  ["a ConfigMap data key", { "cm.yaml": configMap({ key: true }) }, { "cm.yaml": configMap({}) }, "configmap", "settings", '"removed"'],
  ["a label", { "cm.yaml": configMap({ label: true }) }, { "cm.yaml": configMap({}) }, "configmap", "settings", '"tier"'],
  ["an annotation", { "cm.yaml": configMap({ annotation: true }) }, { "cm.yaml": configMap({}) }, "configmap", "settings", '"note"'],
  ["a container env var", { "d.yaml": deployment({ env: true }) }, { "d.yaml": deployment({}) }, "deployment", "web", '"REMOVED"'],
  ["a container port", { "d.yaml": deployment({ port: true }) }, { "d.yaml": deployment({}) }, "deployment", "web", "9090"],
  // Inside list elements (the old value walk only noticed a list whose length changed):
  ["a container port's name", { "d.yaml": deployment({ portName: true }) }, { "d.yaml": deployment({}) }, "deployment", "web", "http-remove-me"],
  ["a container's workingDir", { "d.yaml": deployment({ workingDir: true }) }, { "d.yaml": deployment({}) }, "deployment", "web", "/srv/remove-me"],
])("%s removed from Git is removed from the live object by the next sync", async (_what, before, after, kind, name, marker) => {
  expect((await sync(before)).error).toBeUndefined();
  expect(await kubectlJson(kind, name)).toContain(marker);
  const out = await sync(after);
  expect(out.error).toBeUndefined();
  expect(out.results.find((r) => r.ref.name === name)?.status).toBe("Applied");
  expect(await kubectlJson(kind, name)).not.toContain(marker);
});

test("a re-sync of the same manifests sends no write request, and every object is Skipped", async () => {
  const files = { "cm.yaml": configMap({ label: true, key: true }), "d.yaml": deployment({ env: true, port: true }) };
  await sync(files);
  const before = writesOf(store);
  const out = await sync(files);
  expect(writesOf(store) - before).toBe(0);
  expect(out.results.filter((r) => r.message.endsWith("unchanged")).map((r) => `${r.ref.kind}/${r.ref.name}:${r.status}`).sort()).toEqual(["ConfigMap/settings:Skipped", "Deployment/web:Skipped"]);
});
