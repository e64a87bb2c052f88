/**
 * The access levels as a fixture table: what each grants, and above all what
 * `write` must never grant (issue 14, item 6). Pure; the real apiserver check
 * is infra/rbac/escalation-cluster.test.ts.
 */
import { ESCALATION_RESOURCES, ESCALATION_VERBS, namespaceRules, WRITE_VERBS, type Access, type PolicyRule } from "./rbac-rules";

const triples = (rules: readonly PolicyRule[]): Set<string> =>
  new Set(rules.flatMap((r) => r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${g}|${res}|${v}`)))));
const grants = (access: Access, group: string, resource: string, verb: string, secrets = false): boolean =>
  triples(namespaceRules(access, { secrets })).has(`${group}|${resource}|${verb}`);

describe("namespaceRules: write never escalates", () => {
  test.each([
    ["rbac.authorization.k8s.io", "roles"],
    ["rbac.authorization.k8s.io", "rolebindings"],
    ["", "serviceaccounts/token"],
    ["", "pods/exec"],
    ["", "pods/attach"],
    ["", "pods/portforward"],
    ["", "pods/proxy"],
    ["", "services/proxy"],
    ["", "pods/ephemeralcontainers"],
    ["", "endpoints"],
    ["discovery.k8s.io", "endpointslices"],
  ])("GIVEN write (even with secrets) THEN no verb at all on %s %s", (group, resource) => {
    for (const verb of [...WRITE_VERBS, ...ESCALATION_VERBS]) {
      expect(grants("write", group, resource, verb, true)).toBe(false);
    }
  });

  test.each<Access>(["admin", "write", "read"])("GIVEN %s THEN no escalate, bind or impersonate verb, no wildcard anywhere", (access) => {
    for (const rule of namespaceRules(access, { secrets: true })) {
      expect(rule.verbs.filter((v) => (ESCALATION_VERBS as readonly string[]).includes(v) || v === "*")).toEqual([]);
      expect([...rule.apiGroups, ...rule.resources].filter((x) => x.includes("*"))).toEqual([]);
    }
  });

  test("every escalation path listed is absent from write", () => {
    const write = triples(namespaceRules("write", { secrets: true }));
    for (const { apiGroup, resource } of ESCALATION_RESOURCES) {
      expect([...write].filter((t) => t.startsWith(`${apiGroup}|${resource}|`))).toEqual([]);
    }
  });
});

describe("namespaceRules: admin is write plus Roles and RoleBindings, nothing more", () => {
  test("GIVEN admin THEN the write rules plus one rule: the write verbs on roles and rolebindings", () => {
    const write = namespaceRules("write");
    const admin = namespaceRules("admin");
    expect(admin.slice(0, write.length)).toEqual(write);
    expect(admin.slice(write.length)).toEqual([
      { apiGroups: ["rbac.authorization.k8s.io"], resources: ["roles", "rolebindings"], verbs: [...WRITE_VERBS] },
    ]);
  });

  test.each([
    ["", "serviceaccounts/token"],
    ["", "pods/exec"],
    ["", "endpoints"],
  ])("GIVEN admin THEN still nothing on %s %s", (group, resource) => {
    for (const verb of WRITE_VERBS) expect(grants("admin", group, resource, verb)).toBe(false);
  });
});

describe("namespaceRules: the levels", () => {
  test.each<[Access, string, string, string, boolean]>([
    ["write", "apps", "deployments", "patch", true],
    ["write", "", "serviceaccounts", "create", true],
    ["write", "", "secrets", "get", false],
    ["read", "apps", "deployments", "watch", true],
    ["read", "apps", "deployments", "patch", false],
    ["read", "rbac.authorization.k8s.io", "rolebindings", "get", false],
    ["admin", "rbac.authorization.k8s.io", "rolebindings", "create", true],
    ["admin", "rbac.authorization.k8s.io", "clusterrolebindings", "create", false],
    ["none", "", "configmaps", "get", false],
  ])("GIVEN %s THEN %s %s %s granted: %s", (access, group, resource, verb, expected) => {
    expect(grants(access, group, resource, verb)).toBe(expected);
  });
});
