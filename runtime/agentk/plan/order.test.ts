import { applyOrder, pruneOrder, type ObjRef } from "./index";
import { manifests, testdata } from "./testdata/fixtures";

const line = (o: ObjRef & { waitForCrd?: string }) =>
  `${o.group}/${o.kind} ${o.namespace}/${o.name}${o.waitForCrd ? ` (wait for ${o.waitForCrd})` : ""}`;

describe("applyOrder", () => {
  const objects = manifests({ "all.yaml": testdata("order-shuffled.yaml") });
  const ordered = applyOrder(objects);

  test("Namespaces, then CRDs, then Helm's install order, then unknown kinds; ties by namespace and name", () => {
    expect(ordered.map((o) => line({ ...o, namespace: o.namespace ?? "" }))).toEqual([
      "/Namespace /dude",
      "/Namespace /naww",
      "apiextensions.k8s.io/CustomResourceDefinition /widgets.example.com",
      "/ServiceAccount dude/sa",
      "/ConfigMap dude/settings",
      "rbac.authorization.k8s.io/ClusterRole /reader",
      "rbac.authorization.k8s.io/RoleBinding dude/rb",
      "/Service dude/web",
      "apps/Deployment dude/web",
      "apps/Deployment naww/web",
      "batch/Job dude/migrate",
      "example.com/Widget dude/w1 (wait for widgets.example.com)",
      "example.com/Widget dude/w2 (wait for widgets.example.com)",
      "serving.knative.dev/Service dude/fn",
    ]);
  });

  test("deterministic: any input order gives the same output", () => {
    const reversed = applyOrder([...objects].reverse());
    expect(reversed.map((o) => o.source)).toEqual(ordered.map((o) => o.source));
  });

  test("inputs are not modified; only custom resources are copied, to carry the marker", () => {
    expect(objects.some((o) => "waitForCrd" in o)).toBe(false);
    const dep = ordered.find((o) => o.kind === "Deployment");
    expect(objects).toContain(dep);
  });

  test("without its CRD in the batch, a custom resource has no marker", () => {
    const [w] = applyOrder(manifests({ "w.yaml": "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n" }));
    expect(w?.waitForCrd).toBeUndefined();
  });
});

describe("pruneOrder", () => {
  test.each([
    {
      name: "custom resources before their CRD, workloads before their config, Namespaces last",
      refs: [
        { group: "", kind: "Namespace", namespace: "", name: "dude" },
        { group: "apiextensions.k8s.io", kind: "CustomResourceDefinition", namespace: "", name: "widgets.example.com" },
        { group: "", kind: "ConfigMap", namespace: "dude", name: "settings" },
        { group: "example.com", kind: "Widget", namespace: "dude", name: "w" },
        { group: "apps", kind: "Deployment", namespace: "dude", name: "web" },
      ],
      want: ["example.com/Widget dude/w", "apps/Deployment dude/web", "/ConfigMap dude/settings", "apiextensions.k8s.io/CustomResourceDefinition /widgets.example.com", "/Namespace /dude"],
    },
    {
      name: "exactly the reverse of apply order, names included",
      refs: [
        { group: "", kind: "ConfigMap", namespace: "dude", name: "a" },
        { group: "", kind: "ConfigMap", namespace: "dude", name: "b" },
        { group: "", kind: "ConfigMap", namespace: "aaa", name: "z" },
      ],
      want: ["/ConfigMap dude/b", "/ConfigMap dude/a", "/ConfigMap aaa/z"],
    },
  ])("$name", ({ refs, want }) => {
    expect(pruneOrder(refs).map(line)).toEqual(want);
    expect(pruneOrder(refs)).toEqual([...applyOrder(refs)].reverse());
  });
});
