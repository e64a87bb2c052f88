/**
 * Waiting for status and for pruned objects to go, on the real test cluster:
 * only a 404 means "gone"; a 403, a 5xx or a reset is an error result naming
 * the object and the cause, never a success.
 */
import { agentStateNames, createLogger, type Logger } from "../../common";
import { MANIFEST_PROJECT_DEFAULTS, type ManifestProject } from "../../rpc";
import { startTestCluster, type TestCluster } from "../../../test/cluster";
import { grantAgent } from "../../../test/agentk/rbac";
import { startFailingProxy, type FailingProxy, type ProxyAction } from "../../../test/agentk/failing-proxy";
import { Discovery, KubeClient, kubeconfigAccess, type ClusterAccess } from "../kube";
import { summarize, type ObjRef } from "../plan";
import { exampleCrd } from "../plan/testdata/fixtures";
import { ObjectStore, syncCommit, type SyncOutcome } from "./index";
import { waitForDeletion, waitForStatus } from "./wait-step";

const AGENT_NS = "gitlab-k8s-agent";
let cluster: TestCluster;
let agentAccess: ClusterAccess;
const stores: ObjectStore[] = [];
const proxies: FailingProxy[] = [];
const logs: string[] = [];
const logger: Logger = createLogger({ level: "debug", write: (l) => void logs.push(l) });
const signal = new AbortController().signal;

async function storeOn(access: ClusterAccess): Promise<ObjectStore> {
  const client = KubeClient.fromAccess(access);
  const store = new ObjectStore(client, new Discovery(client, logger));
  stores.push(store);
  await store.discovery.refresh();
  return store;
}

/** The agent's store, reached through a proxy that fails what `decide` says. */
async function proxied(decide: (method: string, path: string) => ProxyAction): Promise<{ store: ObjectStore; proxy: FailingProxy }> {
  const proxy = await startFailingProxy(agentAccess, decide);
  proxies.push(proxy);
  return { store: await storeOn(proxy.access), proxy };
}

const configMap = (name: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}, namespace: dude}\ndata: {a: b}\n`;
const cmRef = (name: string): ObjRef => ({ group: "", kind: "ConfigMap", namespace: "dude", name });
const cmPath = (name: string): string => `/api/v1/namespaces/dude/configmaps/${name}`;

/** One sync in cluster mode as `agentId`, of `files` (path -> text) as commit `commitId` of project `projectId`. */
function sync(store: ObjectStore, commitId: string, projectId: string, agentId: string, files: Record<string, string>, over: Partial<ManifestProject> = {}): Promise<SyncOutcome> {
  return syncCommit(
    store,
    {
      batch: { commitId, projectId, files: Object.entries(files).map(([path, data]) => ({ path, data: Buffer.from(data) })) },
      project: { id: projectId, ref: {}, ...MANIFEST_PROJECT_DEFAULTS, prune_timeout_seconds: 2, ...over },
      scope: { mode: "cluster", namespaces: [] },
      agentId,
      agentNamespace: AGENT_NS,
      inventoryName: agentStateNames("agentk").inventory,
      signal,
      waitTimeoutMs: 2_000,
    },
    logger,
  );
}

beforeAll(async () => {
  cluster = await startTestCluster();
  agentAccess = await kubeconfigAccess(await grantAgent(cluster, AGENT_NS, "agentk", ["dude"]));
  // A ServiceAccount that may delete ConfigMaps in dude, but neither get nor list them.
  await cluster.kubectl(["create", "serviceaccount", "-n", AGENT_NS, "deleter"]);
  await cluster.kubectl(["create", "role", "-n", "dude", "delete-only", "--verb=delete", "--resource=configmaps"]);
  await cluster.kubectl(["create", "rolebinding", "-n", "dude", "delete-only", "--role=delete-only", `--serviceaccount=${AGENT_NS}:deleter`]);
}, 240_000);
afterAll(async () => {
  for (const p of proxies) await p.close();
  for (const s of stores) s.client.close();
  await cluster?.stop();
});

describe("a 403 while waiting (ServiceAccount that may delete but not get)", () => {
  let deleter: ObjectStore;
  beforeAll(async () => {
    deleter = await storeOn(await kubeconfigAccess(await cluster.serviceAccountKubeconfig(AGENT_NS, "deleter")));
  });

  test("prune's wait reports the object and Forbidden, not 'deleted'", async () => {
    await cluster.kubectl(["create", "configmap", "-n", "dude", "doomed", "--from-literal=a=b"]);
    const info = deleter.info("v1", "ConfigMap")!;
    await deleter.delete(info, "dude", "doomed", "foreground");
    const results = await waitForDeletion(deleter, [cmRef("doomed")], 5_000, logger, signal, 50);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ ref: cmRef("doomed"), status: "WaitFailed" });
    expect(results[0]!.message).toMatch(/^ConfigMap dude\/doomed: .*Forbidden: .*cannot get resource "configmaps"/);
    expect(summarize(results).error).toBeDefined();
  });

  test("the status wait reports Forbidden at once, not NotFound", async () => {
    await cluster.kubectl(["create", "configmap", "-n", "dude", "watched", "--from-literal=a=b"]);
    const started = Date.now();
    const results = await waitForStatus(deleter, [{ ref: cmRef("watched"), apiVersion: "v1" }], 30_000, logger, signal, { pollMs: 50 });
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ ref: cmRef("watched"), status: "WaitFailed" });
    expect(results[0]!.message).toMatch(/^ConfigMap dude\/watched: .*Forbidden/);
    expect(Date.now() - started).toBeLessThan(10_000); // a 403 will not change by waiting for it
    expect(summarize(results).error).toBeDefined();
  });
});

test("a CRD the agent may not read: its custom resource fails at once with Forbidden, not after a minute's wait as 'not Established'", async () => {
  const store = await storeOn(agentAccess);
  const started = Date.now();
  const out = await sync(store, "crd1", "group/crd", "81", { "0-crd.yaml": exampleCrd("Sprocket", "sprockets"), "1-s.yaml": "apiVersion: example.com/v1\nkind: Sprocket\nmetadata: {name: s, namespace: dude}\n" });
  const sprocket = out.results.find((r) => r.ref.kind === "Sprocket")!;
  expect(sprocket.status).toBe("ApplyFailed");
  expect(sprocket.message).toMatch(/^Sprocket\.example\.com dude\/s: CustomResourceDefinition sprockets\.example\.com did not become Established: reading it failed: Forbidden: /);
  expect(Date.now() - started).toBeLessThan(20_000);
});

test("a CRD Established before the API server serves its kind: the custom resource waits for discovery, not fails as 'no API resource'", async () => {
  // The apiserver marks a CRD Established a moment before discovery lists its group-version
  // (seen under load in CI). The proxy reproduces that lag: after the CRD is applied, the next
  // three GETs of its group-version answer 404, as the real server does in that window.
  let applied = false;
  let hidden = 0;
  const proxy = await startFailingProxy(await kubeconfigAccess(cluster.kubeconfigPath), (method, path) => {
    if (method === "PATCH" && path.endsWith("/customresourcedefinitions/lags.example.com")) applied = true;
    if (applied && method === "GET" && path === "/apis/example.com/v1" && hidden < 3) {
      hidden++;
      return { status: 404, reason: "NotFound" };
    }
    return "pass";
  });
  proxies.push(proxy);
  const store = await storeOn(proxy.access);
  const out = await sync(store, "lag1", "group/lag", "83", { "0-crd.yaml": exampleCrd("Lag", "lags"), "1-l.yaml": "apiVersion: example.com/v1\nkind: Lag\nmetadata: {name: l, namespace: dude}\n" });
  const lag = out.results.find((r) => r.ref.kind === "Lag")!;
  expect(hidden).toBe(3);
  expect(lag.message).not.toMatch(/no API resource/);
  expect(lag.status).toBe("Applied");
  expect(lag.message).toBe("Lag.example.com dude/l: applied");
});

describe("5xx and resets during a sync (a real loopback proxy in front of the apiserver)", () => {
  /** Fails GETs of ConfigMap dude/name once a `write` request for it went through, `times` times (Infinity: always). */
  const getsAfter = (write: "DELETE" | "PATCH", name: string, action: ProxyAction, times: number) => {
    let written = false;
    let failed = 0;
    return (method: string, path: string): ProxyAction => {
      if (path !== cmPath(name)) return "pass";
      if (method === write) written = true;
      else if (method === "GET" && written && failed < times) {
        failed++;
        return action;
      }
      return "pass";
    };
  };

  test.each([
    ["a 503", { status: 503 }, /ServiceUnavailable/],
    ["a reset connection", "reset" as const, /socket hang up|ECONNRESET/],
  ])("%s on every GET after the prune's DELETE fails the sync with the object and the cause", async (name, action, cause) => {
    const id = name.length.toString(); // one inventory per case
    const cm = `pruned-${id}`;
    const { store } = await proxied(getsAfter("DELETE", cm, action, Infinity));
    expect((await sync(store, "c1", `group/p${id}`, id, { "keep.yaml": configMap(`keep-${id}`), "gone.yaml": configMap(cm) })).error).toBeUndefined();
    const out = await sync(store, "c2", `group/p${id}`, id, { "keep.yaml": configMap(`keep-${id}`) });
    expect(out.error).toBe("1 resources failed to reconcile before timeout");
    const last = out.results.filter((r) => r.ref.name === cm).map((r) => r.status);
    expect(last).toEqual(["Pruned", "WaitFailed"]);
    expect(out.results.find((r) => r.status === "WaitFailed")!.message).toMatch(new RegExp(`^ConfigMap dude/${cm}: .*(${cause.source})`));
    // Not confirmed gone: it stays in the inventory, so the next sync checks again.
    const inv = await cluster.kubectl(["get", "configmap", "-n", AGENT_NS, agentStateNames("agentk").inventory, "-o", "json"]);
    expect(inv).toContain(`dude_${cm}__ConfigMap`);
  });

  test("one failed GET, then the real answer (404): retried, and the sync succeeds", async () => {
    const { store, proxy } = await proxied(getsAfter("DELETE", "flaky", { status: 500, reason: "InternalError" }, 1));
    expect((await sync(store, "c1", "group/flaky", "77", { "keep.yaml": configMap("keep-flaky"), "gone.yaml": configMap("flaky") })).error).toBeUndefined();
    const out = await sync(store, "c2", "group/flaky", "77", { "keep.yaml": configMap("keep-flaky") });
    expect(out.error).toBeUndefined();
    expect(out.results.filter((r) => r.ref.name === "flaky").map((r) => r.status)).toEqual(["Pruned"]);
    expect(proxy.seen.filter((s) => s === `GET ${cmPath("flaky")}`).length).toBeGreaterThanOrEqual(3); // prune's read, the failed one, the 404
  });

  test("a 503 on every GET of an applied object: its status wait ends in WaitFailed with the cause, not Current or NotFound", async () => {
    const { store } = await proxied(getsAfter("PATCH", "unreadable", { status: 503 }, Infinity));
    const out = await sync(store, "c1", "group/unreadable", "78", { "u.yaml": configMap("unreadable") }, { prune: false });
    expect(out.results.filter((r) => r.ref.name === "unreadable").map((r) => r.status)).toEqual(["Applied", "WaitFailed"]);
    expect(out.results[1]!.message).toMatch(/^ConfigMap dude\/unreadable: .*ServiceUnavailable/);
    expect(out.error).toBe("1 resources failed to reconcile before timeout");
  });
});

describe("discovery: a group-version whose list failed is named in the object's error", () => {
  test("apps/v1 answering 503: the Deployment's error says apps/v1 discovery failed, and the failure is logged", async () => {
    const { store } = await proxied((method, path) => (method === "GET" && path === "/apis/apps/v1" ? { status: 503 } : "pass"));
    const deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: dude}\nspec: {selector: {matchLabels: {a: b}}, template: {metadata: {labels: {a: b}}, spec: {containers: [{name: c, image: nginx}]}}}\n";
    const out = await sync(store, "d1", "group/disco", "79", { "d.yaml": deployment });
    expect(out.error).toBe("1 resources failed");
    expect(out.results[0]!.message).toMatch(/^Deployment\.apps dude\/d: .*apps\/v1 discovery failed: ServiceUnavailable/);
    expect(logs.join("")).toMatch(/"level":"warn","msg":"API discovery failed: its kinds are unknown until it answers".*"path":"\/apis\/apps\/v1"/);
  });

  test("after a good refresh, a failing apps/v1 keeps its kinds; an object of a group that could not be discovered is kept, not dropped by prune", async () => {
    let failApps = false;
    const { store, proxy } = await proxied((method, path) => (failApps && method === "GET" && path === "/apis/apps/v1" ? { status: 503 } : "pass"));
    const deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: kept, namespace: dude}\nspec: {replicas: 0, selector: {matchLabels: {a: b}}, template: {metadata: {labels: {a: b}}, spec: {containers: [{name: c, image: nginx}]}}}\n";
    expect((await sync(store, "k1", "group/kept", "80", { "d.yaml": deployment })).results[0]!.status).toBe("Applied");
    failApps = true;
    await store.discovery.refresh();
    expect(store.info("apps/v1", "Deployment")?.resource).toBe("deployments");

    // A fresh agent (restart) while apps/v1 fails: Deployments are unknown, so the one in the inventory cannot be pruned yet.
    const fresh = await storeOn(proxy.access);
    expect(fresh.info("apps/v1", "Deployment")).toBeUndefined();
    const out = await sync(fresh, "k2", "group/kept", "80", {});
    expect(out.error).toBe("1 resources failed");
    expect(out.results.map((r) => [r.status, r.message])).toEqual([["PruneFailed", expect.stringMatching(/^Deployment\.apps dude\/kept: .*apps\/v1 discovery failed: ServiceUnavailable/)]]);
    const inv = await cluster.kubectl(["get", "configmap", "-n", AGENT_NS, agentStateNames("agentk").inventory, "-o", "json"]);
    expect(inv).toContain("dude_kept_apps_Deployment");
    expect(await cluster.kubectl(["get", "deployment", "-n", "dude", "kept", "-o", "name"])).toBe("deployment.apps/kept\n");
  });
});
