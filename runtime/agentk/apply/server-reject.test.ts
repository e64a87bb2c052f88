/**
 * A custom resource the API server refuses for its schema is reported as the
 * object rejected, with the server's own words, on the real test cluster.
 * Server-side apply answers such an object with HTTP 500 (InternalError:
 * "failed to create typed patch object"), which read as "the server failed".
 */
import { agentStateNames, createLogger } from "../../common";
import { MANIFEST_PROJECT_DEFAULTS, type ObjectsBatch } from "../../rpc";
import { startTestCluster, type TestCluster } from "../../../test/cluster";
import { Discovery, KubeClient, kubeconfigAccess } from "../kube";
import { exampleCrd } from "../plan/testdata/fixtures";
import { ObjectStore, syncCommit } from "./index";

let cluster: TestCluster;
let store: ObjectStore;
const logger = createLogger({ write: () => undefined });

const CRD = exampleCrd("Gadget", "gadgets", "{type: object, properties: {spec: {type: object, properties: {size: {type: integer}, color: {type: string, enum: [red, blue]}}}}}");

beforeAll(async () => {
  cluster = await startTestCluster();
  const client = KubeClient.fromAccess(await kubeconfigAccess(cluster.kubeconfigPath));
  store = new ObjectStore(client, new Discovery(client));
  await store.discovery.refresh();
  await cluster.kubectl(["create", "namespace", "dude"]);
}, 240_000);
afterAll(async () => {
  store?.client.close();
  await cluster?.stop();
});

const batch = (commitId: string, files: Record<string, string>): ObjectsBatch => ({
  commitId,
  projectId: "group/gadgets",
  files: Object.entries(files).map(([path, data]) => ({ path, data: Buffer.from(data) })),
});
const sync = (b: ObjectsBatch) =>
  syncCommit(store, { batch: b, project: { id: "group/gadgets", ref: {}, ...MANIFEST_PROJECT_DEFAULTS }, scope: { mode: "cluster", namespaces: [] }, agentId: "1", agentNamespace: "dude", inventoryName: agentStateNames("agentk").inventory, signal: new AbortController().signal, waitTimeoutMs: 5_000 }, logger);

test.each([
  ["a string where the schema says integer", "{size: big}", /rejected by the API server: .*\.spec\.size: expected numeric/],
  ["a value outside the schema's enum", "{size: 3, color: green}", /rejected by the API server: .*spec\.color: Unsupported value: "green"/],
])("a custom resource with %s is rejected, in the server's words, not 'the server failed'", async (_name, spec, message) => {
  const out = await sync(batch(`c-${spec.length}`, { "0-crd.yaml": CRD, "1-gadget.yaml": `apiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: g, namespace: dude}\nspec: ${spec}\n` }));
  const gadget = out.results.find((r) => r.ref.kind === "Gadget")!;
  expect(gadget.status).toBe("ApplyFailed");
  expect(gadget.message).toMatch(/^Gadget\.example\.com dude\/g: /);
  expect(gadget.message).toMatch(message);
  expect(gadget.message).not.toMatch(/InternalError|Internal error occurred/);
});
