import { applyDefaultNamespace, MAX_LISTED_ERRORS, type ManifestObject, type ScopeOf } from "./index";
import { builtInScopes, exampleCrd, manifests } from "./testdata/fixtures";

const CRD = exampleCrd("Widget", "widgets", "{type: object}");

function settle(objs: ManifestObject[], scopeOf: ScopeOf = builtInScopes) {
  const result = applyDefaultNamespace(objs, "dude", scopeOf);
  if ("errors" in result) throw new Error(result.errors.map((e) => e.message).join("\n"));
  return result;
}

const summary = (objs: readonly ManifestObject[]) => objs.map((o) => `${o.kind}/${o.namespace ?? "-"}/${o.name}`);

describe("applyDefaultNamespace", () => {
  test.each([
    {
      name: "namespaced objects without a namespace get the default; written ones are kept",
      yaml: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, namespace: naww}\n",
      objects: ["ConfigMap/dude/a", "ConfigMap/naww/b"],
      unknown: [],
    },
    {
      name: "cluster-scoped objects stay without one",
      yaml: "apiVersion: v1\nkind: Namespace\nmetadata: {name: dude}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: x}\n",
      objects: ["Namespace/-/dude", "ClusterRole/-/x"],
      unknown: [],
    },
    {
      name: "kinds nobody serves are set aside, untouched",
      yaml: "apiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: g}\n",
      objects: [],
      unknown: ["Gadget/-/g"],
    },
    {
      name: "a CRD in the same commit gives its custom resources a scope",
      yaml: `${CRD}---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n`,
      objects: ["CustomResourceDefinition/-/widgets.example.com", "Widget/dude/w"],
      unknown: [],
    },
  ])("$name", ({ yaml, objects, unknown }) => {
    const result = settle(manifests({ "m.yaml": yaml }));
    expect(summary(result.objects)).toEqual(objects);
    expect(summary(result.unknown)).toEqual(unknown);
  });

  test("discovery wins over a CRD in the commit (a CRD's scope cannot change)", () => {
    const objs = manifests({ "m.yaml": `${CRD}---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n` });
    const clusterScoped: ScopeOf = (g, k) => (g === "example.com" && k === "Widget" ? "Cluster" : builtInScopes(g, k));
    expect(summary(settle(objs, clusterScoped).objects)).toEqual(["CustomResourceDefinition/-/widgets.example.com", "Widget/-/w"]);
  });

  test("defaulting returns a new body and leaves the parsed one as written", () => {
    const [cm] = manifests({ "m.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, labels: {x: z}}\ndata: {k: v}\n" });
    const [out] = settle([cm!]).objects;
    expect(out?.body).toEqual({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", labels: { x: "z" }, namespace: "dude" }, data: { k: "v" } });
    expect(out?.scope).toBe("Namespaced");
    expect(cm?.body.metadata).toEqual({ name: "a", labels: { x: "z" } });
    expect(Object.isFrozen(out?.body)).toBe(true);
  });

  test.each<{ name: string; files: Record<string, string>; want: string[] }>([
    {
      name: "a namespace on a cluster-scoped kind",
      files: { "manifests/rbac.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: ok}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: x, namespace: dude}\n" },
      want: ['manifests/rbac.yaml: document 1: metadata.namespace: ClusterRole/x is cluster-scoped and cannot have a namespace (found "dude"); remove metadata.namespace'],
    },
    {
      name: "the same object twice, defaulted namespace included, naming both places; every problem at once",
      files: {
        "a.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
        "b.yaml":
          "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: c, namespace: dude}}\n---\napiVersion: v1\nkind: PersistentVolume\nmetadata: {name: pv, namespace: dude}\n---\napiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: g}\n---\napiVersion: example.com/v2\nkind: Gadget\nmetadata: {name: g}\n",
      },
      want: [
        'b.yaml: document 1: metadata.namespace: PersistentVolume/pv is cluster-scoped and cannot have a namespace (found "dude"); remove metadata.namespace',
        "b.yaml: document 0: items[0]: ConfigMap/c in namespace dude (v1) is also defined at a.yaml: document 0; an object may be written only once",
        "b.yaml: document 3: Gadget/g (example.com/v2) is also defined at b.yaml: document 2; an object may be written only once",
      ],
    },
  ])("rejects the commit: $name", ({ files, want }) => {
    const result = applyDefaultNamespace(manifests(files), "dude", builtInScopes);
    expect("errors" in result ? result.errors.map((e) => e.message) : result).toEqual(want);
  });

  test("the same name in two namespaces, or as two kinds, is not a duplicate", () => {
    const objs = manifests({
      "m.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: naww}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: c}\n",
    });
    expect(summary(settle(objs).objects)).toEqual(["ConfigMap/dude/c", "ConfigMap/naww/c", "Secret/dude/c"]);
  });
});

describe("applyDefaultNamespace: a flood of repeats", () => {
  test("200,000 copies of one object are a rejection (not a RangeError), listing the first 100 and how many more", () => {
    const [one] = manifests({ "a.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n" });
    const copies = Array.from({ length: 200_001 }, (_, i) => ({ ...one!, source: { file: "a.yaml", index: i } }));
    const result = applyDefaultNamespace(copies, "dude", builtInScopes);
    if (!("errors" in result)) throw new Error("expected errors");
    expect(result.errors).toHaveLength(MAX_LISTED_ERRORS + 1);
    expect(result.errors[0]!.message).toMatch(/^a\.yaml: document 1: ConfigMap\/a in namespace dude \(v1\) is also defined at a\.yaml: document 0/);
    expect(result.errors[MAX_LISTED_ERRORS]!.message).toBe("a.yaml: document 101: 199900 more problem(s) not listed");
  });
});
