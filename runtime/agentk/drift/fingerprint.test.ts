import { fingerprint } from "./fingerprint";

const M = "agentk";
/** A Deployment as the server holds it after our apply, with a controller's annotation and status. */
function live(edit: (o: { metadata: { annotations: Record<string, string>; managedFields: { manager: string; fieldsV1: Record<string, unknown> }[] }; spec: { replicas: number } }) => void = () => {}) {
  const o = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: "web",
      resourceVersion: "5",
      annotations: { "deployment.kubernetes.io/revision": "1" } as Record<string, string>,
      labels: { app: "web" },
      managedFields: [
        { manager: M, operation: "Apply", apiVersion: "apps/v1", fieldsType: "FieldsV1", fieldsV1: { "f:metadata": { "f:labels": { "f:app": {} } }, "f:spec": { "f:replicas": {} } } as Record<string, unknown> },
        { manager: "kube-controller-manager", operation: "Update", apiVersion: "apps/v1", fieldsType: "FieldsV1", subresource: "status", fieldsV1: {} },
      ],
    },
    spec: { replicas: 2 },
    status: { replicas: 2 },
  };
  edit(o);
  return o;
}

test("with our field manager: a controller's own annotation or status is not drift", () => {
  const before = fingerprint(live(), M);
  expect(fingerprint(live((o) => (o.metadata.annotations["deployment.kubernetes.io/revision"] = "2")), M)).toBe(before);
  expect(fingerprint({ ...live(), status: { replicas: 0 } }, M)).toBe(before);
});

test("with our field manager: a value we own changed, or a field we owned taken over by another manager, is drift", () => {
  const before = fingerprint(live(), M);
  expect(fingerprint(live((o) => (o.spec.replicas = 5)), M)).not.toBe(before);
  // kubectl edit of the same value: the field moves to kubectl's Update entry.
  expect(fingerprint(live((o) => (o.metadata.managedFields[0]!.fieldsV1 = { "f:metadata": { "f:labels": { "f:app": {} } } })), M)).not.toBe(before);
});

test("while we own nothing there (or without a manager) everything a person can change counts, system fields do not", () => {
  const noEntry = live((o) => (o.metadata.managedFields = []));
  const before = fingerprint(noEntry, M);
  expect(fingerprint({ ...noEntry, metadata: { ...noEntry.metadata, resourceVersion: "6" } }, M)).toBe(before);
  expect(fingerprint(live((o) => ((o.metadata.managedFields = []), (o.metadata.annotations.x = "y"))), M)).not.toBe(before);
  expect(fingerprint(live())).not.toBe(fingerprint(live((o) => (o.metadata.annotations.x = "y"))));
});
