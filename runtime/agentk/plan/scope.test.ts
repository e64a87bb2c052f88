import type { GitopsScope } from "../../rpc/agent-config";
import { checkScope, selectorMatches, type KindRules } from "./index";

const cluster: GitopsScope = { mode: "cluster", namespaces: [] };
const namespacedDude: GitopsScope = { mode: "namespaced", namespaces: ["dude"] };
const namespacedAny: GitopsScope = { mode: "namespaced", namespaces: [] };
const everything: KindRules = { resource_inclusions: [], resource_exclusions: [] };

const deployment = { group: "apps", kind: "Deployment", name: "web", namespace: "dude" };
const clusterRole = { group: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "x" };
const namespaceObj = { group: "", kind: "Namespace", name: "dude" };
const secret = { group: "", kind: "Secret", name: "s", namespace: "dude" };

describe("checkScope", () => {
  test.each([
    { name: "cluster mode, no rules: anything", obj: clusterRole, scope: cluster, rules: everything, namespaced: false, want: undefined },
    { name: "namespaced mode, listed namespace", obj: deployment, scope: namespacedDude, rules: everything, namespaced: true, want: undefined },
    { name: "namespaced mode, no list: any namespace", obj: { ...deployment, namespace: "naww" }, scope: namespacedAny, rules: everything, namespaced: true, want: undefined },
    {
      name: "namespaced mode refuses cluster-scoped kinds",
      obj: clusterRole,
      scope: namespacedDude,
      rules: everything,
      namespaced: false,
      want: "ClusterRole/x is cluster-scoped; this agent runs in namespaced mode",
    },
    {
      name: "a Namespace is cluster-scoped too, even one in the list",
      obj: namespaceObj,
      scope: namespacedDude,
      rules: everything,
      namespaced: false,
      want: "Namespace/dude is cluster-scoped; this agent runs in namespaced mode",
    },
    {
      name: "namespaced mode refuses namespaces not listed",
      obj: { ...deployment, namespace: "naww" },
      scope: namespacedDude,
      rules: everything,
      namespaced: true,
      want: "namespace naww is not in the agent's scope (dude)",
    },
    {
      name: "an exclusion names its rule",
      obj: secret,
      scope: cluster,
      rules: { resource_inclusions: [], resource_exclusions: [{ api_groups: ["apps"], kinds: ["*"] }, { api_groups: [""], kinds: ["Secret"] }] },
      namespaced: true,
      want: 'Secret/s: kind Secret is excluded by resource_exclusions[1] {api_groups: [""], kinds: ["Secret"]}',
    },
    {
      name: "exclusion wins over inclusion",
      obj: deployment,
      scope: cluster,
      rules: { resource_inclusions: [{ api_groups: ["*"], kinds: ["*"] }], resource_exclusions: [{ api_groups: ["apps"], kinds: ["Deployment"] }] },
      namespaced: true,
      want: 'Deployment/web: kind Deployment.apps is excluded by resource_exclusions[0] {api_groups: ["apps"], kinds: ["Deployment"]}',
    },
    {
      name: "a non-empty inclusion list refuses what it does not match, listing its rules",
      obj: clusterRole,
      scope: cluster,
      rules: { resource_inclusions: [{ api_groups: ["apps"], kinds: ["*"] }, { api_groups: [""], kinds: ["ConfigMap", "Secret"] }], resource_exclusions: [] },
      namespaced: false,
      want: 'ClusterRole/x: kind ClusterRole.rbac.authorization.k8s.io is not matched by resource_inclusions {api_groups: ["apps"], kinds: ["*"]}, {api_groups: [""], kinds: ["ConfigMap", "Secret"]}',
    },
    {
      name: "an inclusion match",
      obj: secret,
      scope: namespacedDude,
      rules: { resource_inclusions: [{ api_groups: [""], kinds: ["ConfigMap", "Secret"] }], resource_exclusions: [] },
      namespaced: true,
      want: undefined,
    },
  ])("$name", ({ obj, scope, rules, namespaced, want }) => {
    expect(checkScope(obj, scope, rules, namespaced)).toBe(want);
  });
});

test.each([
  [{ api_groups: ["*"], kinds: ["*"] }, "apps", "Deployment", true],
  [{ api_groups: [""], kinds: ["*"] }, "", "Secret", true],
  [{ api_groups: [""], kinds: ["*"] }, "apps", "Deployment", false],
  [{ api_groups: ["apps"], kinds: ["deployment"] }, "apps", "Deployment", false],
  [{ api_groups: [], kinds: ["*"] }, "apps", "Deployment", false],
])("selector %j matches %j/%j: %j", (rule, group, kind, want) => {
  expect(selectorMatches(rule, group, kind)).toBe(want);
});
