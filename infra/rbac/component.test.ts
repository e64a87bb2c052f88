/**
 * AgentRbac under pulumi.runtime.setMocks: it renders exactly renderManifests'
 * objects, as children of the component, named after it.
 */
import * as path from "node:path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { parseStackConfig, readStackFile } from "../config";
import * as rbac from "./index";
import { recordResources, type Created } from "../../test/pulumi-mocks";

let created: Created[];

// Importing the modules first is fine: no resource is built at import time, only in the tests, after setMocks.
beforeAll(async () => {
  created = await recordResources("test");
});

const output = <T>(o: pulumi.Output<T>): Promise<T> => new Promise((resolve) => o.apply(resolve));

/** Waits until every child is registered (Roles wait for their Namespace, bindings for their Role). */
async function settle(component: rbac.AgentRbac): Promise<void> {
  const cluster = [component.clusterRole, component.clusterRoleBinding, component.impersonationRole, component.impersonationBinding].filter((r): r is NonNullable<typeof r> => r !== undefined);
  const children = [
    ...Object.values(component.namespaces),
    component.lease,
    component.inventory,
    ...Object.values(component.roles),
    ...Object.values(component.roleBindings),
    ...cluster,
  ];
  await Promise.all([component, ...children].map((r) => output(r.urn)));
}

describe("AgentRbac", () => {
  test("renders the dude/naww plan: the same objects renderManifests gives, parented and named after the component", async () => {
    const plan = rbac.planRbac(parseStackConfig(readStackFile(path.join(__dirname, "../../examples/dude-naww/Pulumi.dude-naww.yaml"))));
    const component = new rbac.AgentRbac("dude", { plan });
    expect(await output(component.agentNamespace)).toBe("gitlab-k8s-agent");
    await settle(component);

    const children = created.filter((c) => c.type !== "gitops-agent:rbac:AgentRbac");
    expect(created.map((c) => c.type)).toContain("gitops-agent:rbac:AgentRbac");
    expect(children.map((c) => `${c.type} ${c.name}`).sort()).toEqual([
      "kubernetes:coordination.k8s.io/v1:Lease dude-lease",
      "kubernetes:core/v1:ConfigMap dude-inventory",
      "kubernetes:core/v1:NamespacePatch dude-dude",
      "kubernetes:core/v1:NamespacePatch dude-gitlab-k8s-agent",
      "kubernetes:core/v1:NamespacePatch dude-naww",
      "kubernetes:rbac.authorization.k8s.io/v1:Role dude-dude-write",
      "kubernetes:rbac.authorization.k8s.io/v1:Role dude-gitlab-k8s-agent-self",
      "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding dude-dude-write",
      "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding dude-gitlab-k8s-agent-self",
    ]);

    // The resources' inputs are the rendered manifests (the provider adds apiVersion/kind itself).
    const byKey = new Map(children.map((c) => [`${String(c.inputs.kind)} ${JSON.stringify((c.inputs.metadata as { namespace?: string }).namespace ?? "")} ${(c.inputs.metadata as { name: string }).name}`, c.inputs]));
    for (const m of rbac.renderManifests(plan)) {
      const inputs = byKey.get(`${m.kind} ${JSON.stringify(m.metadata.namespace ?? "")} ${m.metadata.name}`);
      expect(inputs).toMatchObject(m as unknown as Record<string, unknown>);
    }
    expect(children.some((c) => /ClusterRole/.test(c.type))).toBe(false);

    const urns = await Promise.all(Object.values(component.roles).map((r) => output(r.urn)));
    expect(urns).toHaveLength(2);
    for (const urn of urns) expect(urn).toContain("gitops-agent:rbac:AgentRbac$kubernetes:rbac.authorization.k8s.io/v1:Role::");
  });

  test("a plan granting in default does not create the default Namespace; children use the provider given in the resource options", async () => {
    const plan = rbac.planRbac(
      parseStackConfig({ cluster: { provider: "existing", kubeconfig: "k" }, agent: { name: "a1", namespace: "default" }, namespaces: {} }),
    );
    const before = created.length;
    const provider = new k8s.Provider("target-cluster", {});
    const component = new rbac.AgentRbac("home", { plan }, { provider });
    expect(await output(component.agentNamespace)).toBe("default");
    await settle(component);
    const mine = created.slice(before).filter((c) => c.type.startsWith("kubernetes:rbac"));
    expect(mine.map((c) => c.type)).toEqual(["kubernetes:rbac.authorization.k8s.io/v1:Role", "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding"]);
    for (const c of mine) expect(c.provider).toContain("pulumi:providers:kubernetes::target-cluster");
    expect(created.slice(before).map((c) => c.type)).not.toContain("kubernetes:core/v1:Namespace");
    expect(Object.keys(component.roles)).toEqual(["default/a1-self"]);
  });

  test.each<[string, string, Record<string, unknown>, string]>([
    ["clusterResources", "op", { agent: { name: "op" }, clusterResources: ["customresourcedefinitions"] }, "cluster-resources"],
    ["agent.impersonation", "ci", { agent: { name: "ci", impersonation: { ciJob: true, groups: ["gitlab:project:42"] } } }, "impersonation"],
  ])("a plan with %s adds the annotated ClusterRole and its ClusterRoleBinding, as rendered, children of AgentRbac (the policy pack checks that)", async (_what, agent, keys, annotation) => {
    const plan = rbac.planRbac(parseStackConfig({ cluster: { provider: "existing", kubeconfig: "k" }, namespaces: {}, ...keys }));
    const before = created.length;
    const component = new rbac.AgentRbac(agent, { plan });
    await settle(component);
    const mine = created.slice(before).filter((c) => /ClusterRole/.test(c.type));
    const suffix = annotation === "impersonation" ? "impersonate" : "cluster";
    expect(mine.map((c) => `${c.type} ${c.name}`)).toEqual([
      `kubernetes:rbac.authorization.k8s.io/v1:ClusterRole ${agent}-${suffix}`,
      `kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding ${agent}-${suffix}`,
    ]);
    const [role, binding] = rbac.renderManifests(plan).filter((m) => m.kind.startsWith("Cluster"));
    expect(role?.metadata.annotations).toEqual({ [`gitops-agent.dev/${annotation}`]: "true" });
    expect(mine[0]?.inputs).toMatchObject({ metadata: role?.metadata, rules: (role as rbac.ClusterRoleManifest).rules });
    expect(mine[1]?.inputs).toMatchObject({ metadata: binding?.metadata, roleRef: (binding as rbac.ClusterRoleBindingManifest).roleRef });
    const roleUrn = await output((component.impersonationRole ?? component.clusterRole)!.urn);
    expect(roleUrn).toContain(`gitops-agent:rbac:AgentRbac$kubernetes:rbac.authorization.k8s.io/v1:ClusterRole::${agent}-${suffix}`);
  });

  test("a namespace with onDestroy: delete is a Namespace the stack owns (destroy deletes it); the others are kept patches", async () => {
    const plan = rbac.planRbac(
      parseStackConfig({ cluster: { provider: "existing", kubeconfig: "k" }, agent: { name: "tmp" }, namespaces: { scratch: { access: "write", onDestroy: "delete" }, kept: "read" } }),
    );
    const before = created.length;
    const component = new rbac.AgentRbac("tmp", { plan });
    await settle(component);
    const mine = created.slice(before).filter((c) => c.type.startsWith("kubernetes:core/v1:Namespace"));
    expect(mine.map((c) => `${c.type} ${c.name}`).sort()).toEqual([
      "kubernetes:core/v1:Namespace tmp-scratch",
      "kubernetes:core/v1:NamespacePatch tmp-gitlab-k8s-agent",
      "kubernetes:core/v1:NamespacePatch tmp-kept",
    ]);
  });
});
