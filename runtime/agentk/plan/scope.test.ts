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
      name: "inclusion wins over exclusion (GitLab checks inclusions first)",
      obj: deployment,
      scope: cluster,
      rules: { resource_inclusions: [{ api_groups: ["apps"], kinds: ["Deployment"] }], resource_exclusions: [{ api_groups: ["*"], kinds: ["*"] }] },
      namespaced: true,
      want: undefined,
    },
    {
      name: "an inclusion list alone refuses nothing: what neither list matches is managed",
      obj: clusterRole,
      scope: cluster,
      rules: { resource_inclusions: [{ api_groups: ["apps"], kinds: ["*"] }, { api_groups: [""], kinds: ["ConfigMap", "Secret"] }], resource_exclusions: [] },
      namespaced: false,
      want: undefined,
    },
    {
      name: "a refusal by exclusion names the inclusions it missed",
      obj: clusterRole,
      scope: cluster,
      rules: { resource_inclusions: [{ api_groups: ["apps"], kinds: ["*"] }], resource_exclusions: [{ api_groups: ["*"], kinds: ["*"] }] },
      namespaced: false,
      want: 'ClusterRole/x: kind ClusterRole.rbac.authorization.k8s.io is excluded by resource_exclusions[0] {api_groups: ["*"], kinds: ["*"]} and not matched by resource_inclusions {api_groups: ["apps"], kinds: ["*"]}',
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

/**
 * GitLab's documented rule for gitops.manifest_projects[].resource_inclusions /
 * resource_exclusions: inclusions are checked first (a match is managed), then
 * exclusions (a match is refused), and anything matched by neither is managed.
 * The first rows are the documentation's own example: include every kind of
 * group apps and the core ConfigMap, exclude everything else.
 */
describe("resource_inclusions / resource_exclusions as GitLab documents them", () => {
  const docs: KindRules = {
    resource_inclusions: [
      { api_groups: ["apps"], kinds: ["*"] },
      { api_groups: [""], kinds: ["ConfigMap"] },
    ],
    resource_exclusions: [{ api_groups: ["*"], kinds: ["*"] }],
  };
  const onlyExclusions: KindRules = { resource_inclusions: [], resource_exclusions: [{ api_groups: [""], kinds: ["Secret"] }] };
  const onlyInclusions: KindRules = { resource_inclusions: [{ api_groups: ["apps"], kinds: ["*"] }], resource_exclusions: [] };
  const both: KindRules = {
    resource_inclusions: [{ api_groups: [""], kinds: ["Secret"] }],
    resource_exclusions: [{ api_groups: [""], kinds: ["*"] }],
  };
  test.each([
    { rules: "docs example", config: docs, group: "apps", kind: "Deployment", managed: true },
    { rules: "docs example", config: docs, group: "apps", kind: "StatefulSet", managed: true },
    { rules: "docs example", config: docs, group: "", kind: "ConfigMap", managed: true },
    { rules: "docs example", config: docs, group: "", kind: "Service", managed: false },
    { rules: "docs example", config: docs, group: "", kind: "Secret", managed: false },
    { rules: "docs example", config: docs, group: "batch", kind: "Job", managed: false },
    { rules: "exclusions only", config: onlyExclusions, group: "", kind: "Secret", managed: false },
    { rules: "exclusions only", config: onlyExclusions, group: "", kind: "ConfigMap", managed: true },
    { rules: "inclusions only", config: onlyInclusions, group: "apps", kind: "Deployment", managed: true },
    { rules: "inclusions only", config: onlyInclusions, group: "", kind: "Service", managed: true },
    { rules: "a narrow inclusion inside a wide exclusion", config: both, group: "", kind: "Secret", managed: true },
    { rules: "a narrow inclusion inside a wide exclusion", config: both, group: "", kind: "ConfigMap", managed: false },
    { rules: "a narrow inclusion inside a wide exclusion", config: both, group: "apps", kind: "Deployment", managed: true },
  ])("$rules: $kind ($group) managed=$managed", ({ config, group, kind, managed }) => {
    const obj = { group, kind, name: "x", namespace: "dude" };
    expect(checkScope(obj, cluster, config, true) === undefined).toBe(managed);
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
