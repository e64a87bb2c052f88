/**
 * Each policy called directly, as the pack would: validateResource(args, report).
 * Passing props come from the real planner, so the AgentRbac component's output
 * is proven to pass the pack it is checked by.
 */
import { parseStackConfig } from "../config";
import { planRbac, renderManifests } from "../rbac";
import { binding, role, rule, TYPE_OF, violations, type Props } from "../../test/policy-args";
import {
  adminLevel,
  CLUSTER_ROLE,
  CLUSTER_ROLE_BINDING,
  clusterResources,
  noAdminBindings,
  noClusterWideAgentWrite,
  noEscalationPaths,
  noUnaskedSecretRead,
  noWildcards,
  policies,
  ROLE,
  ROLE_BINDING,
  type RbacPolicyConfig,
} from "./policies";
import { NAMESPACE, namespacePodSecurity } from "./pod-security";
import { redisTlsAndAuth, REPLICATION_GROUP } from "./redis";

describe("the pack", () => {
  test("seven mandatory and four advisory policies with unique names", () => {
    expect(policies.map((p) => [p.name, p.enforcementLevel])).toEqual([
      ["rbac-no-wildcards", "mandatory"],
      ["rbac-no-admin-bindings", "mandatory"],
      ["rbac-no-cluster-wide-agent-write", "mandatory"],
      ["rbac-no-unasked-secret-read", "mandatory"],
      ["rbac-no-escalation-paths", "mandatory"],
      ["rbac-no-broad-impersonation", "mandatory"],
      ["rbac-admin-level", "advisory"],
      ["rbac-cluster-resources", "advisory"],
      ["rbac-impersonation", "advisory"],
      ["namespace-pod-security", "advisory"],
      ["redis-tls-and-auth", "mandatory"],
    ]);
  });

  test("GIVEN admin and clusterResources WHEN rendered THEN every mandatory policy passes and the advisory ones flag exactly the admin Role and the ClusterRole", async () => {
    const config = parseStackConfig({
      cluster: { provider: "existing", kubeconfig: "k" },
      agent: { name: "dude-agent" },
      namespaces: { dude: "admin", web: "write" },
      clusterResources: ["customresourcedefinitions", { apiGroup: "storage.k8s.io", resources: ["storageclasses"], resourceNames: ["fast"] }],
    });
    const flagged: string[] = [];
    for (const m of renderManifests(planRbac(config))) {
      for (const policy of policies) {
        const found = await violations(policy, TYPE_OF[m.kind], m as unknown as Props, { agentServiceAccounts: ["gitlab-k8s-agent/dude-agent"] });
        if (policy.enforcementLevel === "mandatory") expect([policy.name, found]).toEqual([policy.name, []]);
        else flagged.push(...found.map((f) => `${policy.name}: ${f.split(" lets ")[0]}`));
      }
    }
    expect(flagged).toEqual(["rbac-admin-level: Role dude/dude-agent-admin", "rbac-cluster-resources: ClusterRole dude-agent-cluster"]);
  });

  test("everything the planner renders passes every policy (write, read, none, secrets, custom kinds)", async () => {
    const config = parseStackConfig({
      cluster: { provider: "existing", kubeconfig: "k" },
      agent: { name: "dude-agent" },
      namespaces: { dude: "write", naww: "none", web: { access: "read", secrets: true }, api: { access: "write", kinds: [{ apiGroup: "apps", resources: ["deployments"] }] } },
    });
    const manifests = renderManifests(planRbac(config));
    expect(manifests.length).toBeGreaterThan(5);
    for (const m of manifests) {
      for (const policy of policies) {
        expect(await violations(policy, TYPE_OF[m.kind], m as unknown as Props, { agentServiceAccounts: ["gitlab-k8s-agent/dude-agent"], secretsAllowedNamespaces: ["web"] })).toEqual([]);
      }
    }
  });
});

describe("rbac-no-wildcards", () => {
  test.each<[string, string, Props, string[]]>([
    ["Role with named rules", ROLE, role([rule(["apps"], ["deployments"], ["get", "patch"])]), []],
    ["Role with wildcard verbs", ROLE, role([rule(["apps"], ["deployments"], ["*"])]), ['Role dude/r rule 0 grants a wildcard ("*") in verbs: name the verbs, resources and API groups the agent needs.']],
    ["Role with wildcard resources in its second rule", ROLE, role([rule([""], ["pods"], ["get"]), rule(["apps"], ["*"], ["get"])]), ['Role dude/r rule 1 grants a wildcard ("*") in resources: name the verbs, resources and API groups the agent needs.']],
    ["ClusterRole with wildcards everywhere", CLUSTER_ROLE, role([rule(["*"], ["*"], ["*"])], { name: "god" }), ['ClusterRole god rule 0 grants a wildcard ("*") in verbs, resources, apiGroups: name the verbs, resources and API groups the agent needs.']],
    ["a Role without a name in metadata", ROLE, { rules: [rule([""], ["*"], ["get"])] }, ['Role (Pulumi resource r) rule 0 grants a wildcard ("*") in resources: name the verbs, resources and API groups the agent needs.']],
    ["a RoleBinding (not a role)", ROLE_BINDING, binding({ kind: "Role", name: "*" }), []],
  ])("%s", async (_case, type, props, expected) => {
    expect(await violations(noWildcards, type, props)).toEqual(expected);
  });
});

describe("rbac-no-admin-bindings", () => {
  test.each<[string, string, Props, string[]]>([
    ["RoleBinding to the agent's Role", ROLE_BINDING, binding({ kind: "Role", name: "dude-agent-write" }, undefined, { name: "b", namespace: "dude" }), []],
    ["RoleBinding to cluster-admin", ROLE_BINDING, binding({ kind: "ClusterRole", name: "cluster-admin" }, undefined, { name: "b", namespace: "dude" }), ["RoleBinding dude/b binds ClusterRole cluster-admin: grant a least-privilege Role instead."]],
    ["ClusterRoleBinding to cluster-admin", CLUSTER_ROLE_BINDING, binding({ kind: "ClusterRole", name: "cluster-admin" }), ["ClusterRoleBinding b binds ClusterRole cluster-admin: grant a least-privilege Role instead."]],
    ["ClusterRoleBinding to admin", CLUSTER_ROLE_BINDING, binding({ kind: "ClusterRole", name: "admin" }), ["ClusterRoleBinding b binds ClusterRole admin cluster-wide: bind it (or a narrower Role) per namespace with a RoleBinding."]],
    ["ClusterRoleBinding to edit", CLUSTER_ROLE_BINDING, binding({ kind: "ClusterRole", name: "edit" }), ["ClusterRoleBinding b binds ClusterRole edit cluster-wide: bind it (or a narrower Role) per namespace with a RoleBinding."]],
    ["RoleBinding to edit in one namespace", ROLE_BINDING, binding({ kind: "ClusterRole", name: "edit" }, undefined, { name: "b", namespace: "dude" }), []],
    ["ClusterRoleBinding to view", CLUSTER_ROLE_BINDING, binding({ kind: "ClusterRole", name: "view" }, [{ kind: "Group", name: "auditors" }]), []],
  ])("%s", async (_case, type, props, expected) => {
    expect(await violations(noAdminBindings, type, props)).toEqual(expected);
  });
});

describe("rbac-no-cluster-wide-agent-write", () => {
  const agentConfig: RbacPolicyConfig = { agentServiceAccounts: ["gitlab-k8s-agent/dude-agent"] };
  test.each<[string, string, Props, RbacPolicyConfig, string[]]>([
    ["read-only ClusterRole", CLUSTER_ROLE, role([rule([""], ["pods"], ["get", "list", "watch"])], { name: "pod-reader" }), {}, []],
    ["ClusterRole with write verbs", CLUSTER_ROLE, role([rule(["apps"], ["deployments"], ["get", "patch", "delete"])], { name: "deployer" }), {}, ["ClusterRole deployer grants write verbs cluster-wide (patch, delete): the agent writes only through namespaced Roles."]],
    ["ClusterRole with escalate", CLUSTER_ROLE, role([rule(["rbac.authorization.k8s.io"], ["clusterroles"], ["escalate"])], { name: "esc" }), {}, ["ClusterRole esc grants write verbs cluster-wide (escalate): the agent writes only through namespaced Roles."]],
    ["ClusterRoleBinding for the listed agent SA", CLUSTER_ROLE_BINDING, binding({ kind: "ClusterRole", name: "view" }), agentConfig, ["ClusterRoleBinding b gives the ServiceAccount gitlab-k8s-agent/dude-agent cluster-wide rights: use a RoleBinding in each namespace the agent may write."]],
    ["ClusterRoleBinding for another SA when the agent is listed", CLUSTER_ROLE_BINDING, binding({ kind: "ClusterRole", name: "view" }, [{ kind: "ServiceAccount", name: "metrics", namespace: "monitoring" }]), agentConfig, []],
    ["ClusterRoleBinding for any SA when no agent is listed", CLUSTER_ROLE_BINDING, binding({ kind: "ClusterRole", name: "view" }, [{ kind: "ServiceAccount", name: "x", namespace: "y" }]), {}, ["ClusterRoleBinding b gives the ServiceAccount y/x cluster-wide rights: use a RoleBinding in each namespace the agent may write."]],
    ["ClusterRoleBinding labelled for the agent, to a group", CLUSTER_ROLE_BINDING, binding({ kind: "ClusterRole", name: "view" }, [{ kind: "Group", name: "g" }], { name: "b", labels: { "gitops-agent.dev/agent": "dude-agent" } }), agentConfig, ["ClusterRoleBinding b gives the agent dude-agent cluster-wide rights: use a RoleBinding in each namespace the agent may write."]],
    ["ClusterRoleBinding for a group", CLUSTER_ROLE_BINDING, binding({ kind: "ClusterRole", name: "view" }, [{ kind: "Group", name: "auditors" }]), {}, []],
    ["a Role with write verbs (namespaced)", ROLE, role([rule(["apps"], ["deployments"], ["patch"])]), {}, []],
  ])("%s", async (_case, type, props, config, expected) => {
    expect(await violations(noClusterWideAgentWrite, type, props, config)).toEqual(expected);
  });
});

describe("rbac-no-unasked-secret-read", () => {
  const annotated = { name: "r", namespace: "web", annotations: { "gitops-agent.dev/secrets-allowed": "true" } };
  const unasked = (ns: string, why: string) =>
    `Role ${ns}/r reads Secrets (get/list/watch) but the namespace config did not ask for them (${why}): set secrets: true for that namespace in the stack config, or drop secrets from the Role.`;
  test.each<[string, string, Props, RbacPolicyConfig, string[]]>([
    ["Role without secrets", ROLE, role([rule([""], ["configmaps"], ["get", "list"])]), {}, []],
    ["Role reading secrets, not annotated", ROLE, role([rule([""], ["configmaps", "secrets"], ["get", "list", "watch"])]), {}, [unasked("dude", 'it lacks the gitops-agent.dev/secrets-allowed: "true" annotation')]],
    ["Role reading secrets, annotated", ROLE, role([rule([""], ["secrets"], ["get"])], annotated), {}, []],
    ["Role reading secrets, annotated, namespace listed", ROLE, role([rule([""], ["secrets"], ["list"])], annotated), { secretsAllowedNamespaces: ["web"] }, []],
    ["Role reading secrets, annotated, namespace not listed", ROLE, role([rule([""], ["secrets"], ["watch"])], annotated), { secretsAllowedNamespaces: ["dude"] }, [unasked("web", "namespace web is not in secretsAllowedNamespaces")]],
    ["Role reading every core resource (wildcard)", ROLE, role([rule([""], ["*"], ["get"])]), {}, [unasked("dude", 'it lacks the gitops-agent.dev/secrets-allowed: "true" annotation')]],
    ["Role only creating secrets (no read)", ROLE, role([rule([""], ["secrets"], ["create"])]), {}, []],
    ["Role reading secrets of another group's resource name", ROLE, role([rule(["example.com"], ["secrets"], ["get"])]), {}, []],
    ["ClusterRole reading secrets, even annotated", CLUSTER_ROLE, role([rule([""], ["secrets"], ["list"])], { ...annotated, namespace: undefined }), {}, ["ClusterRole r reads Secrets cluster-wide: grant Secrets per namespace with secrets: true in the stack config."]],
  ])("%s", async (_case, type, props, config, expected) => {
    expect(await violations(noUnaskedSecretRead, type, props, config)).toEqual(expected);
  });
});

describe("rbac-no-escalation-paths", () => {
  test.each<[string, string, Props, string[]]>([
    ["the write Role's kinds", ROLE, role([rule([""], ["pods", "serviceaccounts"], ["create", "patch"])]), []],
    ["reading endpoints", ROLE, role([rule([""], ["endpoints"], ["get", "list"])]), []],
    ["creating tokens", ROLE, role([rule([""], ["serviceaccounts/token"], ["create"])]), ["Role dude/r rule 0 grants an escalation path: serviceaccounts/token (mints tokens of every ServiceAccount in the namespace)."]],
    ["exec into pods", ROLE, role([rule([""], ["pods"], ["get"]), rule([""], ["pods/exec"], ["create", "get"])]), ["Role dude/r rule 1 grants an escalation path: pods/exec (runs commands in running pods, with their ServiceAccount and mounts)."]],
    ["bind and escalate", CLUSTER_ROLE, role([rule(["rbac.authorization.k8s.io"], ["clusterroles"], ["bind", "escalate"])], { name: "esc" }), ["ClusterRole esc rule 0 grants an escalation path: verb bind; verb escalate."]],
    ["impersonate", ROLE, role([rule([""], ["serviceaccounts"], ["impersonate"])]), ["Role dude/r rule 0 grants an escalation path: verb impersonate. Only the agent's <agent>-impersonate ClusterRole, from gitops-agent:agent.impersonation, may impersonate."]],
    ["writing endpoints", ROLE, role([rule([""], ["endpoints"], ["patch"])]), ["Role dude/r rule 0 grants an escalation path: endpoints (can point a Service at any address (CVE-2021-25740))."]],
  ])("%s", async (_case, type, props, expected) => {
    expect(await violations(noEscalationPaths, type, props)).toEqual(expected);
  });
});

describe("rbac-admin-level (advisory)", () => {
  const flag = (what: string) =>
    `${what} lets its holder write Roles and RoleBindings (access admin): a commit can hand the agent's rights there to anyone, e.g. system:authenticated. Keep it to namespaces whose RBAC is managed through Git, or use access write.`;
  test.each<[string, string, Props, string[]]>([
    ["a write Role", ROLE, role([rule(["apps"], ["deployments"], ["patch"])]), []],
    ["reading RoleBindings", ROLE, role([rule(["rbac.authorization.k8s.io"], ["rolebindings"], ["get", "list"])]), []],
    ["creating RoleBindings", ROLE, role([rule(["rbac.authorization.k8s.io"], ["rolebindings"], ["create"])]), [flag("Role dude/r")]],
    ["patching Roles through a wildcard group", ROLE, role([rule(["*"], ["roles"], ["patch"])]), [flag("Role dude/r")]],
    ["a RoleBinding (not a role)", ROLE_BINDING, binding({ kind: "Role", name: "x" }), []],
  ])("%s", async (_case, type, props, expected) => {
    expect(await violations(adminLevel, type, props)).toEqual(expected);
  });
});

describe("the clusterResources opt-in: advisory, and mandatory checks on what it holds", () => {
  const optIn = { name: "dude-agent-cluster", labels: { "gitops-agent.dev/agent": "dude-agent" }, annotations: { "gitops-agent.dev/cluster-resources": "true" } };
  const crds = rule(["apiextensions.k8s.io"], ["customresourcedefinitions"], ["get", "create", "patch", "delete"]);
  const agentConfig: RbacPolicyConfig = { agentServiceAccounts: ["gitlab-k8s-agent/dude-agent"] };

  test.each<[string, string, Props, string[]]>([
    ["the opt-in ClusterRole for CRDs", CLUSTER_ROLE, role([crds], optIn), []],
    ["the opt-in's binding to its own ClusterRole", CLUSTER_ROLE_BINDING, binding({ kind: "ClusterRole", name: "dude-agent-cluster" }, undefined, optIn), []],
    ["an annotated binding to another ClusterRole", CLUSTER_ROLE_BINDING, binding({ kind: "ClusterRole", name: "edit" }, undefined, optIn), ["ClusterRoleBinding dude-agent-cluster gives the ServiceAccount gitlab-k8s-agent/dude-agent cluster-wide rights: use a RoleBinding in each namespace the agent may write."]],
    ["an annotated ClusterRole writing clusterrolebindings", CLUSTER_ROLE, role([crds, rule(["rbac.authorization.k8s.io"], ["clusterrolebindings"], ["create"])], optIn), ["ClusterRole dude-agent-cluster is marked as the clusterResources opt-in but writes RBAC cluster-wide: the opt-in is for cluster-scoped kinds such as customresourcedefinitions only."]],
    ["an annotated ClusterRole writing namespaces and deployments", CLUSTER_ROLE, role([rule([""], ["namespaces"], ["create"]), rule(["apps"], ["deployments"], ["patch"])], optIn), ["ClusterRole dude-agent-cluster is marked as the clusterResources opt-in but writes namespaces, deployments cluster-wide: the opt-in is for cluster-scoped kinds such as customresourcedefinitions only."]],
    ["the same CRD ClusterRole without the annotation", CLUSTER_ROLE, role([crds], { name: "crd-writer" }), ["ClusterRole crd-writer grants write verbs cluster-wide (create, patch, delete): the agent writes only through namespaced Roles."]],
  ])("rbac-no-cluster-wide-agent-write: %s", async (_case, type, props, expected) => {
    expect(await violations(noClusterWideAgentWrite, type, props, agentConfig)).toEqual(expected);
  });

  test("rbac-cluster-resources flags the opt-in ClusterRole, naming its kinds; other ClusterRoles and bindings are not its business", async () => {
    expect(await violations(clusterResources, CLUSTER_ROLE, role([crds, rule(["storage.k8s.io"], ["storageclasses"], ["patch"])], optIn))).toEqual([
      "ClusterRole dude-agent-cluster lets the agent write customresourcedefinitions.apiextensions.k8s.io, storageclasses.storage.k8s.io cluster-wide (gitops-agent:clusterResources): a commit can change these for the whole cluster. Narrow it with resourceNames where you can.",
    ]);
    expect(await violations(clusterResources, CLUSTER_ROLE, role([crds], { name: "other" }))).toEqual([]);
    expect(await violations(clusterResources, CLUSTER_ROLE_BINDING, binding({ kind: "ClusterRole", name: "dude-agent-cluster" }, undefined, optIn))).toEqual([]);
  });
});

describe("namespace-pod-security (advisory)", () => {
  const ns = (labels?: Record<string, string>): Props => ({ metadata: { name: "dude", ...(labels ? { labels } : {}) } });
  const rendered = (podSecurity: string) =>
    renderManifests(planRbac(parseStackConfig({ cluster: { provider: "existing", kubeconfig: "k" }, agent: { name: "a1" }, namespaces: { dude: { access: "write", podSecurity } } })))
      .find((m) => m.kind === "Namespace" && m.metadata.name === "dude") as unknown as Props;
  test.each<[string, Props, string[]]>([
    ["as planned by default (restricted)", rendered("restricted"), []],
    ["as planned with podSecurity: baseline", rendered("baseline"), []],
    ["as planned with podSecurity: privileged", rendered("privileged"), ['Namespace dude enforces Pod Security "privileged": a commit may run privileged Pods with host mounts there. Keep it only if a workload needs it; otherwise podSecurity: baseline or restricted.']],
    ["without labels (made by hand or another component)", ns(), ["Namespace dude has no pod-security.kubernetes.io/enforce label, so Pods there are not checked at all: set podSecurity for it in the stack config (restricted unless a workload needs less)."]],
  ])("a Namespace %s", async (_case, props, expected) => {
    expect(await violations(namespacePodSecurity, NAMESPACE, props)).toEqual(expected);
  });
});

describe("redis-tls-and-auth (mandatory)", () => {
  const group = { transitEncryptionEnabled: true, authToken: "t".repeat(32), engine: "redis" };
  test.each<[string, Props, string[]]>([
    ["TLS and an auth token (the ElastiCacheRedis component)", group, []],
    ["RBAC user groups instead of a token", { transitEncryptionEnabled: true, userGroupIds: ["kas"] }, []],
    ["no TLS", { ...group, transitEncryptionEnabled: false }, ["ElastiCache replication group r has no TLS in transit: set transitEncryptionEnabled: true (kas's redis.tls.enabled)."]],
    ["no password", { transitEncryptionEnabled: true }, ["ElastiCache replication group r asks no password: set authToken (or RBAC user groups), as the ElastiCacheRedis component does."]],
  ])("%s", async (_name, props, expected) => {
    expect(await violations(redisTlsAndAuth, REPLICATION_GROUP, props)).toEqual(expected);
    expect(await violations(redisTlsAndAuth, NAMESPACE, {})).toEqual([]);
  });
});
