/** KubeClient and Discovery against the real test cluster. */
import { startTestCluster, type TestCluster } from "../../../test/cluster";
import { Discovery, KubeApiError, KubeClient, kubeconfigAccess, resourcePath } from "./index";

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startTestCluster();
}, 240_000);
afterAll(async () => cluster?.stop());

async function clientFor(kubeconfigPath: string): Promise<KubeClient> {
  return KubeClient.fromAccess(await kubeconfigAccess(kubeconfigPath));
}

test("discovery maps kinds to resources and scopes", async () => {
  const client = await clientFor(cluster.kubeconfigPath);
  const d = new Discovery(client);
  await d.refresh();
  const dep = d.lookup("apps/v1", "Deployment");
  expect(dep).toEqual({ group: "apps", version: "v1", kind: "Deployment", resource: "deployments", namespaced: true });
  expect(resourcePath(dep!, "dude", "web")).toBe("/apis/apps/v1/namespaces/dude/deployments/web");
  expect(d.scopeOf("", "Namespace")).toBe("Cluster");
  expect(d.scopeOf("rbac.authorization.k8s.io", "ClusterRole")).toBe("Cluster");
  expect(d.scopeOf("", "ConfigMap")).toBe("Namespaced");
  expect(d.lookup("v1", "Nope")).toBeUndefined();
  client.close();
});

test("server-side apply sends the manifest as written; a ServiceAccount without rights gets KubeApiError Forbidden", async () => {
  const admin = await clientFor(cluster.kubeconfigPath);
  await admin.request("POST", "/api/v1/namespaces", { body: { apiVersion: "v1", kind: "Namespace", metadata: { name: "kube-test" } } });
  const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "kube-test", labels: { a: "b" } }, data: { k: "v" } };
  const applied = await admin.request<{ metadata: { managedFields: { manager: string; operation: string }[] } }>(
    "PATCH",
    "/api/v1/namespaces/kube-test/configmaps/c",
    { body: cm, contentType: "application/apply-patch+yaml", query: { fieldManager: "agentk", force: "true" } },
  );
  expect(applied.metadata.managedFields.some((f) => f.manager === "agentk" && f.operation === "Apply")).toBe(true);
  expect(admin.counts.PATCH).toBe(1);

  const sa = await clientFor(await cluster.serviceAccountKubeconfig("kube-test", "nobody"));
  let err: unknown;
  try {
    await sa.request("PATCH", "/api/v1/namespaces/kube-test/configmaps/c", {
      body: cm,
      contentType: "application/apply-patch+yaml",
      query: { fieldManager: "agentk" },
    });
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(KubeApiError);
  expect((err as KubeApiError).status).toBe(403);
  expect((err as KubeApiError).reason).toBe("Forbidden");
  expect((err as KubeApiError).message).toContain('cannot patch resource "configmaps"');
  admin.close();
  sa.close();
});

test("any number of open watches leave requests their own connections", async () => {
  const client = await clientFor(cluster.kubeconfigPath);
  const stop = new AbortController();
  // More watches than the request pool has sockets (16): each holds an HTTP/1.1 connection.
  const watches = await Promise.all(
    Array.from({ length: 24 }, (_, i) =>
      client.open("GET", `/api/v1/namespaces/watch-${i}/configmaps`, { query: { watch: "1" }, signal: stop.signal, longLived: true }),
    ),
  );
  expect(watches.every((w) => w.statusCode === 200)).toBe(true);
  for (const w of watches) w.on("error", () => undefined);
  const list = await Promise.race([
    client.request<{ kind: string }>("GET", "/api/v1/namespaces"),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error("a request waited behind the watches for 10 s")), 10_000)),
  ]);
  expect(list.kind).toBe("NamespaceList");
  stop.abort();
  client.close();
}, 30_000);
