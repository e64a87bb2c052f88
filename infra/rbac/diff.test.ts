import { parseStackConfig } from "../config";
import { diffRbac, EMPTY_PLAN, formatDiffTable, planRbac, type RbacPlan } from "./index";
import { formatDiffMarkdown } from "./table";

function planOf(namespaces: Record<string, unknown>, agent: Record<string, unknown> = { name: "dude-agent" }, clusterResources?: unknown[]): RbacPlan {
  return planRbac(parseStackConfig({ cluster: { provider: "existing", kubeconfig: "k" }, agent, namespaces, ...(clusterResources ? { clusterResources } : {}) }));
}

describe("diffRbac", () => {
  test("GIVEN the same plan twice THEN no change, and the table says so", () => {
    const diff = diffRbac(planOf({ dude: "write" }), planOf({ dude: "write" }));
    expect(diff).toEqual({ namespaces: [] });
    expect(formatDiffTable(diff)).toBe("no RBAC change");
  });

  test("GIVEN naww none -> write THEN naww gains the write verbs on every managed kind, nothing else changes", () => {
    const diff = diffRbac(planOf({ dude: "write", naww: "none" }), planOf({ dude: "write", naww: "write" }));
    expect(diff.namespaces.map((n) => n.namespace)).toEqual(["naww"]);
    const [naww] = diff.namespaces;
    expect(naww?.before).toBe("none");
    expect(naww?.after).toBe("write");
    expect(naww?.removed).toEqual([]);
    expect(naww?.added).toContainEqual({
      apiGroup: "apps",
      resources: ["daemonsets", "deployments", "replicasets", "statefulsets"],
      verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
    });
    expect(formatDiffTable(diff)).toMatchSnapshot();
  });

  test("GIVEN write -> read THEN only the write verbs are revoked, the read verbs stay", () => {
    const diff = diffRbac(planOf({ dude: { access: "write", kinds: [{ apiGroup: "apps", resources: ["deployments"] }] } }), planOf({ dude: { access: "read", kinds: [{ apiGroup: "apps", resources: ["deployments"] }] } }));
    expect(diff.namespaces).toEqual([
      { namespace: "dude", before: "write", after: "read", added: [], removed: [{ apiGroup: "apps", resources: ["deployments"], verbs: ["create", "update", "patch", "delete"] }] },
    ]);
  });

  test("GIVEN secrets: true added THEN one row: secrets granted in that namespace", () => {
    const diff = diffRbac(planOf({ dude: "read" }), planOf({ dude: { access: "read", secrets: true } }));
    expect(diff.namespaces).toEqual([
      { namespace: "dude", before: "read", after: "read + secrets", added: [{ apiGroup: "", resources: ["secrets"], verbs: ["get", "list", "watch"] }], removed: [] },
    ]);
    expect(formatDiffTable(diff).split("\n")).toEqual([
      "dude: read -> read + secrets",
      "",
      "NAMESPACE | CHANGE  | API GROUPS | RESOURCES | VERBS",
      "----------+---------+------------+-----------+-----------------",
      "dude      | + grant | core       | secrets   | get, list, watch",
    ]);
  });

  test("GIVEN a namespace removed from the config THEN its grants are revoked and it shows as absent", () => {
    const diff = diffRbac(planOf({ dude: "read", web: "read" }), planOf({ dude: "read" }));
    expect(diff.namespaces.map((n) => [n.namespace, n.before, n.after])).toEqual([["web", "read", "absent"]]);
    expect(formatDiffTable(diff)).toContain("web: read -> absent");
  });

  test("GIVEN a new none namespace THEN the level change is listed with no permission rows", () => {
    const diff = diffRbac(planOf({ dude: "write" }), planOf({ dude: "write", naww: "none" }));
    expect(formatDiffTable(diff)).toBe("naww: absent -> none\n\nno permission change");
  });

  test("GIVEN the agent renamed THEN every grant moves: all old ones revoked, all new ones granted", () => {
    const diff = diffRbac(planOf({ dude: "read" }), planOf({ dude: "read" }, { name: "other-agent" }));
    expect(diff.subject).toEqual({ before: "gitlab-k8s-agent/dude-agent", after: "gitlab-k8s-agent/other-agent" });
    const dude = diff.namespaces.find((n) => n.namespace === "dude");
    expect(dude?.added).toEqual(dude?.removed);
    expect(formatDiffTable(diff)).toMatch(/^agent ServiceAccount: gitlab-k8s-agent\/dude-agent -> gitlab-k8s-agent\/other-agent/);
  });

  test("GIVEN no stack before (EMPTY_PLAN) THEN everything is granted, the agent home included", () => {
    const diff = diffRbac(EMPTY_PLAN, planOf({ dude: "write" }));
    expect(diff.subject).toBeUndefined();
    expect(diff.namespaces.map((n) => [n.namespace, n.before, n.after])).toEqual([
      ["dude", "absent", "write"],
      ["gitlab-k8s-agent", "absent", "agent home"],
      ]);
  });
});

describe("diffRbac: changes a reviewer must not miss", () => {
  test("GIVEN write -> admin THEN Roles and RoleBindings are granted and the change is highlighted first", () => {
    const diff = diffRbac(planOf({ dude: "write" }), planOf({ dude: "admin" }));
    expect(diff.namespaces).toEqual([
      {
        namespace: "dude",
        before: "write",
        after: "admin",
        added: [{ apiGroup: "rbac.authorization.k8s.io", resources: ["rolebindings", "roles"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] }],
        removed: [],
        highlight: "the agent may now write Roles and RoleBindings here: a commit can hand its rights in this namespace to anyone",
      },
    ]);
    expect(formatDiffTable(diff).split("\n")[0]).toBe(
      "! dude: write -> admin: the agent may now write Roles and RoleBindings here: a commit can hand its rights in this namespace to anyone",
    );
  });

  test("GIVEN admin -> read THEN the loss of RBAC rights is highlighted too", () => {
    const diff = diffRbac(planOf({ dude: "admin" }), planOf({ dude: "read" }));
    expect(formatDiffTable(diff).split("\n")[0]).toBe("! dude: admin -> read: the agent may no longer write Roles and RoleBindings here");
  });

  test("GIVEN a new admin namespace THEN it is highlighted (absent -> admin)", () => {
    const diff = diffRbac(planOf({}), planOf({ ops: "admin" }));
    expect(diff.namespaces.map((n) => [n.namespace, n.after, n.highlight !== undefined])).toEqual([["ops", "admin", true]]);
  });

  test("GIVEN clusterResources added with resourceNames THEN a (cluster-wide) row, narrowed names shown, highlighted", () => {
    const crds = { apiGroup: "apiextensions.k8s.io", resources: ["customresourcedefinitions"], resourceNames: ["widgets.example.com"] };
    const diff = diffRbac(planOf({ dude: "write" }), planOf({ dude: "write" }, undefined, [crds]));
    expect(diff.namespaces).toEqual([
      {
        namespace: "(cluster-wide)",
        before: "none",
        after: "cluster resources",
        added: [
          { apiGroup: "apiextensions.k8s.io", resources: ["customresourcedefinitions (widgets.example.com)"], verbs: ["get", "create", "update", "patch", "delete"] },
          { apiGroup: "apiextensions.k8s.io", resources: ["customresourcedefinitions"], verbs: ["list", "watch"] },
        ],
        removed: [],
        highlight: "cluster-scoped write rights change: the agent reaches past its namespaces (gitops-agent:clusterResources)",
      },
    ]);
    expect(formatDiffTable(diff)).toMatchSnapshot();
  });

  test("GIVEN the same clusterResources twice THEN no change", () => {
    const diff = diffRbac(planOf({}, undefined, ["customresourcedefinitions"]), planOf({}, undefined, ["customresourcedefinitions"]));
    expect(diff).toEqual({ namespaces: [] });
  });
});

describe("diffRbac: agent.impersonation, the (impersonation) row", () => {
  const agent = (impersonation: unknown) => ({ name: "dude-agent", impersonation });
  const CI_JOB = { ciJob: true, groups: ["gitlab:project:42"] };

  test("GIVEN ciJob added THEN an (impersonation) row, highlighted, any user and any extra value spelled (any), groups by name", () => {
    const diff = diffRbac(planOf({ dude: "write" }), planOf({ dude: "write" }, agent(CI_JOB)));
    expect(diff.namespaces.map((n) => [n.namespace, n.before, n.after])).toEqual([["(impersonation)", "none", "impersonation"]]);
    expect(formatDiffTable(diff).split("\n")).toEqual([
      "! (impersonation): none -> impersonation: whom the agent may impersonate changes: kas's CI/CD tunnel sends requests as them (gitops-agent:agent.impersonation)",
      "",
      "NAMESPACE       | CHANGE  | API GROUPS            | RESOURCES                                            | VERBS",
      "----------------+---------+-----------------------+------------------------------------------------------+------------",
      "(impersonation) | + grant | core                  | groups (gitlab:ci_job),                              | impersonate",
      "                |         |                       | groups (gitlab:project:42), users (any)              |",
      "(impersonation) | + grant | authentication.k8s.io | userextras/agent.gitlab.com/ci_job_id (any),         | impersonate",
      "                |         |                       | userextras/agent.gitlab.com/ci_pipeline_id (any),    |",
      "                |         |                       | userextras/agent.gitlab.com/config_project_id (any), |",
      "                |         |                       | userextras/agent.gitlab.com/environment_slug (any),  |",
      "                |         |                       | userextras/agent.gitlab.com/environment_tier (any),  |",
      "                |         |                       | userextras/agent.gitlab.com/id (any),                |",
      "                |         |                       | userextras/agent.gitlab.com/project_id (any),        |",
      "                |         |                       | userextras/agent.gitlab.com/username (any)           |",
    ]);
  });

  test("GIVEN one more group THEN just that group is granted", () => {
    const diff = diffRbac(planOf({}, agent(CI_JOB)), planOf({}, agent({ ciJob: true, groups: ["gitlab:project:42", "gitlab:group:7"] })));
    expect(diff.namespaces).toEqual([
      {
        namespace: "(impersonation)",
        before: "impersonation",
        after: "impersonation",
        added: [{ apiGroup: "", resources: ["groups (gitlab:group:7)"], verbs: ["impersonate"] }],
        removed: [],
        highlight: "whom the agent may impersonate changes: kas's CI/CD tunnel sends requests as them (gitops-agent:agent.impersonation)",
      },
    ]);
  });

  test("GIVEN listed groups -> any group THEN the cluster-admin risk is the highlight, first in the table", () => {
    const diff = diffRbac(planOf({}, agent(CI_JOB)), planOf({}, agent({ ciJob: true, groups: "*", acceptClusterAdmin: true })));
    expect(formatDiffTable(diff).split("\n")[0]).toBe(
      "! (impersonation): impersonation -> impersonation, any group (cluster-admin): the agent may now impersonate any group, system:masters included: it can act as cluster-admin",
    );
    expect(diff.namespaces[0]?.added).toEqual([{ apiGroup: "", resources: ["groups (any)"], verbs: ["impersonate"] }]);
  });

  test("GIVEN impersonation removed THEN everything is revoked: impersonation -> none", () => {
    const diff = diffRbac(planOf({}, agent({ users: ["deployer"] })), planOf({}));
    expect(diff.namespaces).toEqual([
      expect.objectContaining({ namespace: "(impersonation)", before: "impersonation", after: "none", added: [], removed: [{ apiGroup: "", resources: ["users (deployer)"], verbs: ["impersonate"] }] }),
    ]);
  });

  test("--format markdown: an impersonation gain is flagged", () => {
    const md = formatDiffMarkdown(diffRbac(planOf({}), planOf({}, agent({ users: ["deployer"] }))));
    expect(md.split("\n")).toContain("| ⚠️ impersonation | `(impersonation)` | none → impersonation | gains | `core` | `users (deployer)` | `impersonate` |");
  });
});
