import * as path from "node:path";
import { podSecurityLabels } from "../../runtime/common/pod-security";
import { READ_VERBS, WRITE_VERBS } from "../../runtime/common/rbac-rules";
import { parseStackConfig, readStackFile, type StackConfig } from "../config";
import { manifestsToYaml, planRbac, renderManifests, type RbacPlan } from "./index";

const EXAMPLE = path.join(__dirname, "../../examples/dude-naww/Pulumi.dude-naww.yaml");

function given(namespaces: Record<string, unknown>, agent: Record<string, unknown> = { name: "dude-agent" }): StackConfig {
  return parseStackConfig({ cluster: { provider: "existing", kubeconfig: "k" }, agent, namespaces });
}

const grantsIn = (plan: RbacPlan, ns: string) => plan.grants.filter((g) => g.namespace === ns);
const verbsFor = (plan: RbacPlan, ns: string, group: string, resource: string): string[] =>
  grantsIn(plan, ns).flatMap((g) => g.rules.filter((r) => r.apiGroups.includes(group) && r.resources.includes(resource)).flatMap((r) => [...r.verbs]));

describe("planRbac: the dude/naww stack (snapshots)", () => {
  const plan = planRbac(parseStackConfig(readStackFile(EXAMPLE)));

  test("plan", () => {
    expect(plan).toMatchSnapshot();
  });

  test("rendered manifests, as kubectl would apply them", () => {
    expect(manifestsToYaml(renderManifests(plan))).toMatchSnapshot();
  });
});

describe("planRbac: access levels", () => {
  test("GIVEN dude: write WHEN planned THEN dude gets <agent>-write with the write verbs on the managed kinds, bound to the agent's ServiceAccount", () => {
    const plan = planRbac(given({ dude: "write" }));
    expect(grantsIn(plan, "dude").map((g) => [g.name, g.purpose])).toEqual([["dude-agent-write", "write"]]);
    expect(verbsFor(plan, "dude", "apps", "deployments")).toEqual([...WRITE_VERBS]);
    expect(verbsFor(plan, "dude", "", "configmaps")).toEqual([...WRITE_VERBS]);
    expect(plan.serviceAccount).toEqual({ name: "dude-agent", namespace: "gitlab-k8s-agent" });
    const binding = renderManifests(plan).find((m) => m.kind === "RoleBinding" && m.metadata.namespace === "dude");
    expect(binding).toMatchObject({
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "dude-agent-write" },
      subjects: [{ kind: "ServiceAccount", name: "dude-agent", namespace: "gitlab-k8s-agent" }],
    });
  });

  test("GIVEN dude: read WHEN planned THEN dude gets <agent>-read with get/list/watch only", () => {
    const plan = planRbac(given({ dude: "read" }));
    expect(grantsIn(plan, "dude").map((g) => g.name)).toEqual(["dude-agent-read"]);
    for (const rule of grantsIn(plan, "dude").flatMap((g) => g.rules)) expect(rule.verbs).toEqual([...READ_VERBS]);
  });

  test("GIVEN naww: none WHEN planned THEN naww is created and holds no Role and no RoleBinding", () => {
    const plan = planRbac(given({ naww: "none" }));
    expect(plan.namespaces.find((n) => n.name === "naww")).toEqual({ name: "naww", access: "none", agentHome: false, create: true, podSecurity: "restricted", onDestroy: "keep" });
    expect(grantsIn(plan, "naww")).toEqual([]);
    expect(renderManifests(plan).filter((m) => m.metadata.namespace === "naww")).toEqual([]);
  });

  test("GIVEN any config WHEN planned THEN the agent's own namespace is created with <agent>-self: its own inventory ConfigMap and Lease, by name", () => {
    const plan = planRbac(given({}, { name: "a1", namespace: "agents" }));
    expect(plan.namespaces).toEqual([{ name: "agents", access: "none", agentHome: true, create: true, podSecurity: "restricted", onDestroy: "keep" }]);
    expect(plan.grants).toEqual([
      expect.objectContaining({ name: "a1-self", namespace: "agents", purpose: "self" }),
    ]);
    // Agents may share the namespace: no create, list or watch, and every verb confined to this agent's two objects.
    expect(plan.grants[0]?.rules).toEqual([
      { apiGroups: [""], resources: ["configmaps"], resourceNames: ["a1-inventory"], verbs: ["get", "update", "patch"] },
      { apiGroups: ["coordination.k8s.io"], resources: ["leases"], resourceNames: ["a1-lock"], verbs: ["get", "update"] },
    ]);
    // Hence both are created up front, empty.
    expect(renderManifests(plan).filter((m) => m.kind === "Lease" || m.kind === "ConfigMap").map((m) => [m.kind, m.metadata.namespace, m.metadata.name])).toEqual([
      ["Lease", "agents", "a1-lock"],
      ["ConfigMap", "agents", "a1-inventory"],
    ]);
  });

  test("GIVEN podSecurity overrides WHEN rendered THEN each created Namespace enforces, warns and audits its level (restricted by default)", () => {
    const plan = planRbac(given({ dude: { access: "write", podSecurity: "baseline" }, ops: { access: "read", podSecurity: "privileged" }, web: "write" }));
    const levels = Object.fromEntries(
      renderManifests(plan).filter((m) => m.kind === "Namespace").map((m) => [m.metadata.name, m.metadata.labels["pod-security.kubernetes.io/enforce"]]),
    );
    expect(levels).toEqual({ dude: "baseline", ops: "privileged", web: "restricted", "gitlab-k8s-agent": "restricted" });
    const web = renderManifests(plan).find((m) => m.kind === "Namespace" && m.metadata.name === "web");
    expect(web?.metadata.labels).toMatchObject(podSecurityLabels("restricted"));
  });

  test("GIVEN the agent's namespace listed as write WHEN planned THEN it holds both <agent>-self and <agent>-write", () => {
    const plan = planRbac(given({ "gitlab-k8s-agent": "write" }));
    expect(grantsIn(plan, "gitlab-k8s-agent").map((g) => g.name)).toEqual(["dude-agent-self", "dude-agent-write"]);
  });

  test("GIVEN default: write WHEN planned THEN default gets a Role but is not created (it always exists)", () => {
    const plan = planRbac(given({ default: "write" }));
    expect(plan.namespaces.find((n) => n.name === "default")?.create).toBe(false);
    expect(renderManifests(plan).some((m) => m.kind === "Namespace" && m.metadata.name === "default")).toBe(false);
    expect(grantsIn(plan, "default").map((g) => g.name)).toEqual(["dude-agent-write"]);
  });
});

describe("planRbac: Secrets only when asked", () => {
  test("GIVEN write without secrets WHEN planned THEN no rule mentions secrets and no Role carries the annotation", () => {
    const plan = planRbac(given({ dude: "write", web: "read" }));
    expect(plan.grants.flatMap((g) => g.rules).some((r) => r.resources.includes("secrets"))).toBe(false);
    expect(renderManifests(plan).some((m) => m.metadata.annotations)).toBe(false);
  });

  test("GIVEN { access: read, secrets: true } WHEN planned THEN secrets are readable there, annotated, and nowhere else", () => {
    const plan = planRbac(given({ dude: { access: "read", secrets: true }, web: "write" }));
    expect(verbsFor(plan, "dude", "", "secrets")).toEqual([...READ_VERBS]);
    expect(verbsFor(plan, "web", "", "secrets")).toEqual([]);
    const role = renderManifests(plan).find((m) => m.kind === "Role" && m.metadata.namespace === "dude");
    expect(role?.metadata.annotations).toEqual({ "gitops-agent.dev/secrets-allowed": "true" });
  });
});

describe("planRbac: custom kinds", () => {
  test("GIVEN kinds [apps/deployments, core/services] with write WHEN planned THEN exactly those, with the write verbs", () => {
    const plan = planRbac(
      given({ dude: { access: "write", kinds: [{ apiGroup: "apps", resources: ["deployments"] }, { apiGroup: "", resources: ["services"] }] } }),
    );
    expect(grantsIn(plan, "dude").flatMap((g) => g.rules)).toEqual([
      { apiGroups: ["apps"], resources: ["deployments"], verbs: [...WRITE_VERBS] },
      { apiGroups: [""], resources: ["services"], verbs: [...WRITE_VERBS] },
    ]);
  });

  test("GIVEN kinds repeating a group and secrets: true with read WHEN planned THEN one rule per group, secrets added to core", () => {
    const plan = planRbac(
      given({
        dude: {
          access: "read",
          secrets: true,
          kinds: [{ apiGroup: "apps", resources: ["deployments"] }, { apiGroup: "apps", resources: ["deployments", "statefulsets"] }],
        },
      }),
    );
    expect(grantsIn(plan, "dude").flatMap((g) => g.rules)).toEqual([
      { apiGroups: ["apps"], resources: ["deployments", "statefulsets"], verbs: [...READ_VERBS] },
      { apiGroups: [""], resources: ["secrets"], verbs: [...READ_VERBS] },
    ]);
  });
});

describe("planRbac: never cluster-wide, never a wildcard", () => {
  const plan = planRbac(
    given({
      dude: "write",
      naww: "none",
      web: { access: "read", secrets: true },
      api: { access: "write", kinds: [{ apiGroup: "apps", resources: ["deployments"] }] },
    }),
  );
  const manifests = renderManifests(plan);

  test("GIVEN every access form WHEN rendered THEN only Namespaces, the agent's Lease and inventory, Roles and RoleBindings, all but Namespaces namespaced", () => {
    expect(new Set(manifests.map((m) => m.kind))).toEqual(new Set(["Namespace", "Lease", "ConfigMap", "Role", "RoleBinding"]));
    for (const m of manifests.filter((x) => x.kind !== "Namespace")) expect(m.metadata.namespace).toEqual(expect.any(String));
    for (const m of manifests) if (m.kind === "RoleBinding") expect(m.roleRef.kind).toBe("Role");
  });

  test("GIVEN every access form WHEN rendered THEN no '*' in any verb, resource or API group", () => {
    for (const rule of plan.grants.flatMap((g) => g.rules)) {
      for (const value of [...rule.apiGroups, ...rule.resources, ...rule.verbs]) expect(value).not.toContain("*");
    }
  });

  test("GIVEN the same config twice WHEN planned THEN the same plan (namespaces sorted, names predictable)", () => {
    expect(planRbac(given({ web: "read", dude: "write" }))).toEqual(planRbac(given({ dude: "write", web: "read" })));
    expect(plan.namespaces.map((n) => n.name)).toEqual(["api", "dude", "gitlab-k8s-agent", "naww", "web"]);
    expect(plan.grants.map((g) => `${g.namespace}/${g.name}`)).toEqual([
      "api/dude-agent-write",
      "dude/dude-agent-write",
      "gitlab-k8s-agent/dude-agent-self",
      "web/dude-agent-read",
    ]);
  });
});

describe("planRbac: admin, for teams that manage RBAC through Git", () => {
  test("GIVEN dude: admin WHEN planned THEN <agent>-admin: the write rules plus roles and rolebindings, nothing cluster-wide", () => {
    const plan = planRbac(given({ dude: "admin" }));
    expect(grantsIn(plan, "dude").map((g) => [g.name, g.purpose])).toEqual([["dude-agent-admin", "admin"]]);
    expect(verbsFor(plan, "dude", "rbac.authorization.k8s.io", "rolebindings")).toEqual([...WRITE_VERBS]);
    expect(verbsFor(plan, "dude", "rbac.authorization.k8s.io", "roles")).toEqual([...WRITE_VERBS]);
    expect(verbsFor(plan, "dude", "apps", "deployments")).toEqual([...WRITE_VERBS]);
    expect(plan.cluster).toBeUndefined();
  });

  test("GIVEN dude: write WHEN planned THEN no rule of any grant mentions roles, rolebindings or endpoints", () => {
    const plan = planRbac(given({ dude: "write", web: { access: "write", secrets: true } }));
    const resources = plan.grants.filter((g) => g.purpose === "write").flatMap((g) => g.rules.flatMap((r) => [...r.resources]));
    expect(resources.filter((r) => ["roles", "rolebindings", "endpoints"].includes(r))).toEqual([]);
  });

  test("GIVEN admin with custom kinds WHEN planned THEN those kinds with the write verbs, plus roles and rolebindings", () => {
    const plan = planRbac(given({ dude: { access: "admin", kinds: [{ apiGroup: "apps", resources: ["deployments"] }] } }));
    expect(grantsIn(plan, "dude").flatMap((g) => g.rules)).toEqual([
      { apiGroups: ["apps"], resources: ["deployments"], verbs: [...WRITE_VERBS] },
      { apiGroups: ["rbac.authorization.k8s.io"], resources: ["roles", "rolebindings"], verbs: [...WRITE_VERBS] },
    ]);
  });
});

describe("planRbac: the clusterResources opt-in", () => {
  const withCluster = (clusterResources: unknown[]) =>
    parseStackConfig({ cluster: { provider: "existing", kubeconfig: "k" }, agent: { name: "dude-agent" }, namespaces: { dude: "write" }, clusterResources });

  test("GIVEN no clusterResources WHEN rendered THEN no ClusterRole and no ClusterRoleBinding", () => {
    expect(planRbac(withCluster([])).cluster).toBeUndefined();
    expect(renderManifests(planRbac(withCluster([]))).filter((m) => m.kind.startsWith("Cluster"))).toEqual([]);
  });

  test("GIVEN [customresourcedefinitions] WHEN rendered THEN <agent>-cluster grants exactly the write verbs on CRDs, annotated, bound to the agent", () => {
    const manifests = renderManifests(planRbac(withCluster(["customresourcedefinitions"])));
    const cluster = manifests.filter((m) => m.kind.startsWith("Cluster"));
    expect(cluster).toEqual([
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRole",
        metadata: expect.objectContaining({ name: "dude-agent-cluster", annotations: { "gitops-agent.dev/cluster-resources": "true" } }),
        rules: [{ apiGroups: ["apiextensions.k8s.io"], resources: ["customresourcedefinitions"], verbs: [...WRITE_VERBS] }],
      },
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        metadata: expect.objectContaining({ name: "dude-agent-cluster", annotations: { "gitops-agent.dev/cluster-resources": "true" } }),
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "dude-agent-cluster" },
        subjects: [{ kind: "ServiceAccount", name: "dude-agent", namespace: "gitlab-k8s-agent" }],
      },
    ]);
    expect(manifests.at(-1)?.kind).toBe("ClusterRoleBinding");
  });

  test("GIVEN resourceNames WHEN planned THEN everything but list/watch is narrowed to those names (create too: agentk creates by server-side apply)", () => {
    const plan = planRbac(withCluster([{ apiGroup: "apiextensions.k8s.io", resources: ["customresourcedefinitions"], resourceNames: ["widgets.example.com"] }]));
    expect(plan.cluster?.rules).toEqual([
      { apiGroups: ["apiextensions.k8s.io"], resources: ["customresourcedefinitions"], verbs: ["get", "create", "update", "patch", "delete"], resourceNames: ["widgets.example.com"] },
      { apiGroups: ["apiextensions.k8s.io"], resources: ["customresourcedefinitions"], verbs: ["list", "watch"] },
    ]);
  });
});

describe("planRbac: agent.impersonation", () => {
  const withImpersonation = (impersonation?: unknown) => given({ dude: "write" }, { name: "dude-agent", ...(impersonation === undefined ? {} : { impersonation }) });
  const extras = (keys: readonly string[]) => keys.map((k) => `userextras/agent.gitlab.com/${k}`);

  test("GIVEN no impersonation WHEN rendered THEN no impersonation grant and no impersonate verb anywhere", () => {
    const plan = planRbac(withImpersonation());
    expect(plan.impersonation).toBeUndefined();
    expect(JSON.stringify(renderManifests(plan))).not.toContain("impersonate");
  });

  test("GIVEN ciJob with gitlab:project:42 WHEN rendered THEN <agent>-impersonate: any user, the two groups by name, the eight agent.gitlab.com extras with any value; annotated, bound to the agent", () => {
    const manifests = renderManifests(planRbac(withImpersonation({ ciJob: true, groups: ["gitlab:project:42"] })));
    const mark = { labels: expect.objectContaining({ "gitops-agent.dev/agent": "dude-agent" }), annotations: { "gitops-agent.dev/impersonation": "true" } };
    expect(manifests.slice(-2)).toEqual([
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRole",
        metadata: { name: "dude-agent-impersonate", ...mark },
        rules: [
          { apiGroups: [""], resources: ["users"], verbs: ["impersonate"] },
          { apiGroups: [""], resources: ["groups"], resourceNames: ["gitlab:ci_job", "gitlab:project:42"], verbs: ["impersonate"] },
          {
            apiGroups: ["authentication.k8s.io"],
            resources: extras(["ci_job_id", "ci_pipeline_id", "config_project_id", "environment_slug", "environment_tier", "id", "project_id", "username"]),
            verbs: ["impersonate"],
          },
        ],
      },
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        metadata: { name: "dude-agent-impersonate", ...mark },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "dude-agent-impersonate" },
        subjects: [{ kind: "ServiceAccount", name: "dude-agent", namespace: "gitlab-k8s-agent" }],
      },
    ]);
  });

  test("GIVEN named users, a uid and extras with listed values WHEN planned THEN resourceNames everywhere, one rule per extra key with values", () => {
    const plan = planRbac(withImpersonation({ users: ["deployer"], groups: ["team:web"], uids: ["u-1"], extras: { "example.com/team": ["web", "api"], scopes: "*" } }));
    expect(plan.impersonation).toEqual({
      name: "dude-agent-impersonate",
      rules: [
        { apiGroups: [""], resources: ["users"], verbs: ["impersonate"], resourceNames: ["deployer"] },
        { apiGroups: [""], resources: ["groups"], verbs: ["impersonate"], resourceNames: ["team:web"] },
        { apiGroups: ["authentication.k8s.io"], resources: ["uids"], verbs: ["impersonate"], resourceNames: ["u-1"] },
        { apiGroups: ["authentication.k8s.io"], resources: ["userextras/scopes"], verbs: ["impersonate"] },
        { apiGroups: ["authentication.k8s.io"], resources: ["userextras/example.com/team"], verbs: ["impersonate"], resourceNames: ["web", "api"] },
      ],
    });
  });

  test("GIVEN any user only WHEN planned THEN one rule, and never serviceaccounts (ServiceAccount names need that resource)", () => {
    const plan = planRbac(withImpersonation({ users: "*" }));
    expect(plan.impersonation?.rules).toEqual([{ apiGroups: [""], resources: ["users"], verbs: ["impersonate"] }]);
  });
});
