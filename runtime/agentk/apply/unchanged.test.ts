/**
 * isUnchanged against managedFields as the test cluster's kube-apiserver wrote
 * them for `kubectl apply --server-side --field-manager agentk` of the
 * manifests below (copied from `kubectl get -o json --show-managed-fields`).
 */
import { isUnchanged } from "./unchanged";

const M = "agentk";

const deployment = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "d", namespace: "default", labels: { app: "nginx" }, creationTimestamp: null },
  spec: {
    replicas: 0,
    selector: { matchLabels: { app: "nginx" } },
    template: {
      metadata: { labels: { app: "nginx" } },
      spec: {
        containers: [{ name: "nginx", image: "nginx:1.14.2", ports: [{ containerPort: 80 }], env: [{ name: "A", value: "1" }], args: ["a", "b"], resources: { requests: { cpu: "10m" } } }],
        tolerations: [{ key: "x", operator: "Exists" }],
      },
    },
  },
};
const deploymentFields = JSON.parse(
  '{"f:metadata": {"f:labels": {"f:app": {}}}, "f:spec": {"f:replicas": {}, "f:selector": {}, "f:template": {"f:metadata": {"f:labels": {"f:app": {}}}, "f:spec": {"f:containers": {"k:{\\"name\\":\\"nginx\\"}": {".": {}, "f:args": {}, "f:env": {"k:{\\"name\\":\\"A\\"}": {".": {}, "f:name": {}, "f:value": {}}}, "f:image": {}, "f:name": {}, "f:ports": {"k:{\\"containerPort\\":80,\\"protocol\\":\\"TCP\\"}": {".": {}, "f:containerPort": {}}}, "f:resources": {"f:requests": {"f:cpu": {}}}}}, "f:tolerations": {}}}}}',
) as object;

const service = {
  apiVersion: "v1",
  kind: "Service",
  metadata: { name: "s", namespace: "default", finalizers: ["example.com/x"] },
  spec: { clusterIP: "None", selector: { app: "s" }, ports: [{ name: "http", port: 80, targetPort: 80 }] },
};
const serviceFields = JSON.parse(
  '{"f:metadata": {"f:finalizers": {"v:\\"example.com/x\\"": {}}}, "f:spec": {"f:clusterIP": {}, "f:ports": {"k:{\\"port\\":80,\\"protocol\\":\\"TCP\\"}": {".": {}, "f:name": {}, "f:port": {}, "f:targetPort": {}}}, "f:selector": {}}}',
) as object;

const configMap = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "default", labels: { a: "b" }, annotations: { x: "z" } }, data: { k1: "v1", k2: "v2" } };
const configMapFields = { "f:data": { "f:k1": {}, "f:k2": {} }, "f:metadata": { "f:annotations": { "f:x": {} }, "f:labels": { "f:a": {} } } };

/** What the server holds after applying `applied`: its values, defaults, a controller's fields, and our managedFields entry. */
function liveOf(applied: Record<string, unknown>, fieldsV1: object, extra: (o: Record<string, unknown>) => void = () => {}): Record<string, unknown> {
  const live = structuredClone(applied) as Record<string, unknown> & { metadata: Record<string, unknown> };
  delete live.metadata.creationTimestamp;
  live.metadata.uid = "u-1";
  live.metadata.resourceVersion = "42";
  live.metadata.managedFields = [
    { manager: "kube-controller-manager", operation: "Update", apiVersion: String(applied.apiVersion), fieldsType: "FieldsV1", fieldsV1: { "f:metadata": { "f:annotations": { "f:deployment.kubernetes.io/revision": {} } } } },
    { manager: M, operation: "Apply", apiVersion: String(applied.apiVersion), fieldsType: "FieldsV1", fieldsV1: fieldsV1 },
  ];
  extra(live);
  return live;
}

const deploymentLive = liveOf(deployment, deploymentFields, (o) => {
  const spec = (o.spec as { template: { spec: { containers: Record<string, unknown>[] } } }).template.spec;
  // Defaults the server adds: a port's protocol, a container's pull policy; a controller's annotation.
  spec.containers[0]!.ports = [{ containerPort: 80, protocol: "TCP" }];
  spec.containers[0]!.imagePullPolicy = "IfNotPresent";
  (o.metadata as Record<string, unknown>).annotations = { "deployment.kubernetes.io/revision": "1" };
  o.status = { replicas: 0 };
});
const serviceLive = liveOf(service, serviceFields, (o) => {
  (o.spec as { ports: Record<string, unknown>[] }).ports[0]!.protocol = "TCP";
});
const configMapLive = liveOf(configMap, configMapFields);

/** A copy of `obj` with `edit` applied to it. */
function edited<T>(obj: T, edit: (o: T) => void): T {
  const copy = structuredClone(obj);
  edit(copy);
  return copy;
}
type Container = { ports?: unknown[]; env?: unknown[]; args?: unknown[] };
const container = (d: typeof deployment): Container => d.spec.template.spec.containers[0] as Container;

describe("isUnchanged: the manifest as applied, with the server's defaults and a controller's fields live", () => {
  test.each([
    ["a Deployment (merge-keyed containers, env and ports, a defaulted port protocol, atomic selector, args and tolerations)", deployment, deploymentLive],
    ["a Service (ports keyed by port and protocol, a finalizer set, an atomic selector)", service, serviceLive],
    ["a ConfigMap", configMap, configMapLive],
    ["a ConfigMap whose manifest unsets a label with null", edited(configMap, (c) => Object.assign(c.metadata.labels, { gone: null })), configMapLive],
    ["a ConfigMap with an empty map we do not own (nothing in it to add or remove)", edited(configMap, (c) => Object.assign(c, { binaryData: {} })), liveOf(edited(configMap, (c) => Object.assign(c, { binaryData: {} })), configMapFields)],
  ])("%s is unchanged: no apply", (_name, desired, live) => {
    expect(isUnchanged(desired, live, M)).toBe(true);
  });
});

describe("isUnchanged: a field removed from Git is a change (the apply removes it), though every value left is live", () => {
  test.each([
    ["a ConfigMap data key", edited(configMap, (c) => delete (c.data as Partial<typeof c.data>).k2), configMapLive],
    ["a label", edited(configMap, (c) => delete (c.metadata as { labels?: unknown }).labels), configMapLive],
    ["an annotation", edited(configMap, (c) => delete (c.metadata as { annotations?: unknown }).annotations), configMapLive],
    ["a container env var", edited(deployment, (d) => delete container(d).env), deploymentLive],
    ["a container port", edited(deployment, (d) => (container(d).ports = [])), deploymentLive],
    ["a finalizer", edited(service, (s) => (s.metadata.finalizers = [])), serviceLive],
    ["a Service port", edited(service, (s) => delete (s.spec as { ports?: unknown }).ports), serviceLive],
    ["a key of an atomic selector", edited(service, (s) => (s.spec.selector = {} as typeof s.spec.selector)), serviceLive],
  ])("%s", (_name, desired, live) => {
    expect(isUnchanged(desired, live, M)).toBe(false);
  });
});

describe("isUnchanged: when ownership cannot be matched one to one, apply (never a wrong skip)", () => {
  const twoProtocols = edited(deploymentLive, (o) => {
    const c = (o.spec as typeof deployment.spec).template.spec.containers[0] as Container & Record<string, unknown>;
    c.ports = [
      { containerPort: 80, protocol: "TCP" },
      { containerPort: 80, protocol: "UDP" },
    ];
    const owned = ((o.metadata as { managedFields: { fieldsV1: Record<string, Record<string, Record<string, Record<string, Record<string, Record<string, Record<string, object>>>>>>> }[] }).managedFields[1]!.fieldsV1["f:spec"]!["f:template"]!["f:spec"]!["f:containers"]!['k:{"name":"nginx"}']!["f:ports"] = {});
    Object.assign(owned, { 'k:{"containerPort":80,"protocol":"TCP"}': { ".": {} }, 'k:{"containerPort":80,"protocol":"UDP"}': { ".": {} } });
  });
  test.each([
    ["our field manager has no Apply entry (the object was made by someone else)", configMap, edited(configMapLive, (o) => ((o.metadata as { managedFields: unknown[] }).managedFields = []))],
    ["our entry is for another apiVersion", configMap, edited(configMapLive, (o) => ((o.metadata as { managedFields: { apiVersion: string }[] }).managedFields[1]!.apiVersion = "v2"))],
    ["another manager took a field we set (kubectl edit): the values match but we do not own it", configMap, edited(configMapLive, (o) => delete ((o.metadata as { managedFields: { fieldsV1: { "f:data": Record<string, unknown> } }[] }).managedFields[1]!.fieldsV1["f:data"]["f:k2"]))],
    ["a field the manifest now sets that we do not own yet (a port's default protocol, stated)", edited(deployment, (d) => (container(d).ports = [{ containerPort: 80, protocol: "TCP" }])), deploymentLive],
    ["an element without its defaulted key field matches two owned entries", edited(deployment, (d) => (container(d).ports = [{ containerPort: 80 }])), twoProtocols],
    ["an unknown fieldsV1 key", configMap, edited(configMapLive, (o) => Object.assign((o.metadata as { managedFields: { fieldsV1: Record<string, unknown> }[] }).managedFields[1]!.fieldsV1, { "x:odd": {} }))],
  ])("%s", (_name, desired, live) => {
    expect(isUnchanged(desired, live, M)).toBe(false);
  });

  test("a changed value is a change, as before", () => {
    expect(isUnchanged(edited(configMap, (c) => (c.data.k1 = "v9")), configMapLive, M)).toBe(false);
  });
});
