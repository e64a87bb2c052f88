import { KubeApiError } from "../kube";
import { refusedAction } from "./object-step";
import { diffObjects, IGNORED_PATHS, REDACTED } from "./diff";
import { rbacChange } from "./rbac";

describe("diffObjects: live against the dry-run answer", () => {
  const live = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "settings", namespace: "dude", resourceVersion: "10", uid: "u", generation: 1, creationTimestamp: "t", managedFields: [{ manager: "agentk" }], annotations: { "a/b": "x" } },
    data: { a: "1", b: "2" },
  };

  test("a removed key, a changed value and an added one, sorted by path; server-filled fields ignored", () => {
    const after = { ...live, metadata: { ...live.metadata, resourceVersion: "11", generation: 2, managedFields: [] }, data: { a: "9", c: "3" }, status: { x: 1 } };
    expect(diffObjects(live, after)).toEqual([
      { path: "data.a", op: "changed", before: "1", after: "9" },
      { path: "data.b", op: "removed", before: "2" },
      { path: "data.c", op: "added", after: "3" },
    ]);
  });

  test("nothing but server-filled fields: no change", () => {
    const after = { ...live, metadata: { ...live.metadata, resourceVersion: "99", managedFields: [{ manager: "other" }] } };
    expect(diffObjects(live, after)).toEqual([]);
    expect(IGNORED_PATHS).toContain("status");
  });

  test("list items by position; keys that are not identifiers quoted", () => {
    const before = { spec: { containers: [{ name: "web", image: "w:1" }] }, metadata: { annotations: { "a/b": "x" } } };
    const after = { spec: { containers: [{ name: "web", image: "w:2" }] }, metadata: { annotations: { "a/b": "y" } } };
    expect(diffObjects(before, after)).toEqual([
      { path: 'metadata.annotations["a/b"]', op: "changed", before: "x", after: "y" },
      { path: "spec.containers[0].image", op: "changed", before: "w:1", after: "w:2" },
    ]);
  });

  test("a list that grows is one change of the whole list", () => {
    expect(diffObjects({ args: ["a"] }, { args: ["a", "b"] })).toEqual([{ path: "args", op: "changed", before: ["a"], after: ["a", "b"] }]);
  });

  test("a Secret's values are never shown", () => {
    expect(diffObjects({ data: { k: "c2VjcmV0" } }, { data: { k: "b3RoZXI=", n: "bmV3" } }, { redactValues: true })).toEqual([
      { path: "data.k", op: "changed", before: REDACTED, after: REDACTED },
      { path: "data.n", op: "added", after: REDACTED },
    ]);
  });
});

describe("rbacChange: what a commit adds or widens", () => {
  const role = { group: "rbac.authorization.k8s.io", kind: "Role", namespace: "dude", name: "r" };
  const binding = { ...role, kind: "RoleBinding", name: "b" };
  const get = { apiGroups: [""], resources: ["configmaps"], verbs: ["get"] };
  const list = { verbs: ["list"], resources: ["configmaps"], apiGroups: [""] };

  test("a new Role: all its rules", () => {
    expect(rbacChange(role, undefined, { rules: [get] })).toEqual({ ref: role, created: true, rules: [get], subjects: [] });
  });

  test("a Role given a rule: only the new rule, however the server ordered its keys", () => {
    expect(rbacChange(role, { rules: [{ verbs: ["get"], resources: ["configmaps"], apiGroups: [""] }] }, { rules: [get, list] })).toEqual({ ref: role, created: false, rules: [list], subjects: [] });
  });

  test("a Role that loses rules or stays the same: nothing", () => {
    expect(rbacChange(role, { rules: [get, list] }, { rules: [get] })).toBeUndefined();
    expect(rbacChange(role, { rules: [get] }, { rules: [get] })).toBeUndefined();
  });

  test("a binding given a subject or another role", () => {
    const sa = { kind: "ServiceAccount", name: "x", namespace: "dude" };
    const everyone = { kind: "Group", name: "system:authenticated", apiGroup: "rbac.authorization.k8s.io" };
    const roleRef = { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "r" };
    expect(rbacChange(binding, { subjects: [sa], roleRef }, { subjects: [sa, everyone], roleRef })).toEqual({ ref: binding, created: false, rules: [], subjects: [everyone] });
    const admin = { ...roleRef, kind: "ClusterRole", name: "admin" };
    expect(rbacChange(binding, { subjects: [sa], roleRef }, { subjects: [sa], roleRef: admin })).toEqual({ ref: binding, created: false, rules: [], subjects: [], roleRef: admin });
  });

  test("not RBAC: nothing", () => {
    expect(rbacChange({ group: "", kind: "ConfigMap", name: "c" }, undefined, { rules: [get] })).toBeUndefined();
  });
});

describe("refusedAction: what an apiserver refusal stands for", () => {
  test("403 is forbidden; a schema refusal, a missing namespace or a transport error is invalid", () => {
    expect(refusedAction(new KubeApiError(403, "Forbidden", "no", "PATCH", "/x"))).toBe("forbidden");
    expect(refusedAction(new KubeApiError(422, "Invalid", "bad", "PATCH", "/x"))).toBe("invalid");
    expect(refusedAction(new KubeApiError(404, "NotFound", 'namespaces "nope" not found', "PATCH", "/x"))).toBe("invalid");
    expect(refusedAction(new Error("ECONNRESET"))).toBe("invalid");
  });
});
