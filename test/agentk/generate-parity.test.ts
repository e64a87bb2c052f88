/**
 * `agentk generate` and the Pulumi program grant the same rights: both derive
 * their Roles from runtime/common/rbac-rules.ts. For the same inputs (the
 * agent, its namespace, the namespaces it may write) the Roles have the same
 * names and identical rules, and the RoleBindings bind them alike.
 */
import { rbacObjects } from "../../runtime/agentk/generate";
import { parseStackConfig } from "../../infra/config";
import { planRbac, renderManifests } from "../../infra/rbac";

type Obj = Record<string, unknown>;
const key = (o: Obj): string => {
  const meta = o.metadata as { name: string; namespace?: string };
  return `${String(o.kind)} ${meta.namespace ?? ""}/${meta.name}`;
};
/** kind namespace/name -> what grants: a Role's rules, a RoleBinding's roleRef and subjects. */
const grants = (objects: readonly Obj[]): Record<string, unknown> =>
  Object.fromEntries(
    objects
      .filter((o) => o.kind === "Role" || o.kind === "RoleBinding")
      .map((o) => [key(o), o.kind === "Role" ? JSON.parse(JSON.stringify(o.rules)) : { roleRef: o.roleRef, subjects: o.subjects }]),
  );

describe("agentk generate and infra/rbac: the same rules", () => {
  test.each<[string, string, string, string[]]>([
    ["no write namespace", "gitlab-k8s-agent", "dude-agent", []],
    ["one write namespace", "gitlab-k8s-agent", "dude-agent", ["dude"]],
    ["several, the agent's own among them", "agents", "a1", ["web", "agents", "api"]],
  ])("GIVEN %s WHEN both render THEN identical Roles and RoleBindings", (_case, home, agent, write) => {
    const generated = rbacObjects(home, agent, write);
    const config = parseStackConfig({
      cluster: { provider: "existing", kubeconfig: "unused" },
      agent: { name: agent, namespace: home },
      namespaces: Object.fromEntries(write.map((ns) => [ns, "write"])),
    });
    const planned = renderManifests(planRbac(config)) as unknown as Obj[];
    expect(grants(generated)).toEqual(grants(planned));
    expect(Object.keys(grants(generated))).toHaveLength(2 * (1 + write.length));
  });

  test("GIVEN an agent THEN both create the same Lease and inventory ConfigMap up front, the objects its self Role names", () => {
    const state = (objects: readonly Obj[]) => objects.filter((o) => o.kind === "Lease" || o.kind === "ConfigMap").map(key);
    const config = parseStackConfig({ cluster: { provider: "existing", kubeconfig: "unused" }, agent: { name: "a1", namespace: "agents" } });
    expect(state(rbacObjects("agents", "a1", []))).toEqual(["Lease agents/a1-lock", "ConfigMap agents/a1-inventory"]);
    expect(state(renderManifests(planRbac(config)) as unknown as Obj[])).toEqual(["Lease agents/a1-lock", "ConfigMap agents/a1-inventory"]);
  });

  test("GIVEN a write namespace THEN neither grants roles or rolebindings there", () => {
    const rules = (rbacObjects("gitlab-k8s-agent", "dude-agent", ["dude"]) as Obj[])
      .filter((o) => o.kind === "Role")
      .flatMap((o) => o.rules as { resources: string[] }[]);
    expect(rules.flatMap((r) => r.resources).filter((r) => r === "roles" || r === "rolebindings")).toEqual([]);
  });
});
