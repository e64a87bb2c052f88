/**
 * Issue 14, items 6 and 9, on a real kube-apiserver with RBAC: the planned
 * Roles are applied as admin, then the agent's ServiceAccount asks
 * SelfSubjectAccessReviews (`kubectl auth can-i` with its token) and makes
 * real server-side applies.
 *  - `write` cannot create Roles or RoleBindings (nor tokens, exec, ...), so a
 *    commit cannot bind the agent's rights to system:authenticated.
 *  - `admin` can manage RoleBindings, but the apiserver's escalation check
 *    still refuses to bind a ClusterRole the agent does not hold.
 *  - `clusterResources` lets the agent create CRDs, and only those named when
 *    resourceNames narrows it; without the opt-in it cannot.
 */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { canI, startTestCluster, untilCan, type TestCluster } from "../../test/cluster";
import { applyRbacPlan } from "../../test/rbac-plan";
import { parseStackConfig } from "../config";
import { planRbac } from "./index";

let cluster: TestCluster;

beforeAll(async () => {
  cluster = await startTestCluster();
}, 240_000);

afterAll(async () => {
  await cluster?.stop();
});

/** Plans the stack config, applies it as admin, and returns a kubeconfig of the agent's ServiceAccount once its rights are live. */
async function grant(agent: string, namespaces: Record<string, unknown>, clusterResources: unknown[], probe: string[]): Promise<string> {
  const config = parseStackConfig({ cluster: { provider: "existing", kubeconfig: "unused" }, agent: { name: agent, namespace: `${agent}-home` }, namespaces, clusterResources });
  const sa = await applyRbacPlan(cluster, planRbac(config), `${agent}.yaml`);
  await untilCan(cluster, sa, probe);
  return sa;
}

/** Server-side apply of `objects` as the holder of `kubeconfig`: "applied", or the apiserver's refusal. */
async function applyAs(kubeconfig: string, name: string, objects: readonly object[]): Promise<string> {
  const file = path.join(cluster.dir, `${name}.yaml`);
  writeFileSync(file, objects.map((o) => stringify(o)).join("---\n"));
  try {
    await cluster.kubectl(["apply", "--server-side", "--field-manager=agentk", "-f", file], kubeconfig);
    return "applied";
  } catch (err) {
    return String((err as { stderr?: unknown }).stderr ?? err).trim();
  }
}

const roleBinding = (namespace: string, name: string, roleRef: { kind: string; name: string }, subject: object) => ({
  apiVersion: "rbac.authorization.k8s.io/v1",
  kind: "RoleBinding",
  metadata: { name, namespace },
  roleRef: { apiGroup: "rbac.authorization.k8s.io", ...roleRef },
  subjects: [subject],
});
const EVERYONE = { apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "system:authenticated" };

function crd(group: string, plural: string): object {
  const kind = `${plural[0]?.toUpperCase()}${plural.slice(1, -1)}`;
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope: "Namespaced",
      names: { plural, singular: plural.slice(0, -1), kind },
      versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } } }],
    },
  };
}

describe("write and admin, as system:serviceaccount:esc-agent-home:esc-agent (team: write, ops: admin, no clusterResources)", () => {
  let sa: string;

  beforeAll(async () => {
    sa = await grant("esc-agent", { team: "write", ops: "admin" }, [], ["patch", "deployments.apps", "-n", "team"]);
    await untilCan(cluster, sa, ["create", "rolebindings.rbac.authorization.k8s.io", "-n", "ops"]);
  });

  test.each<[string, "allowed" | "denied", string[]]>([
    ["write: patch deployments (what write is for)", "allowed", ["patch", "deployments.apps", "-n", "team"]],
    ["write: create serviceaccounts", "allowed", ["create", "serviceaccounts", "-n", "team"]],
    ["write: create rolebindings", "denied", ["create", "rolebindings.rbac.authorization.k8s.io", "-n", "team"]],
    ["write: patch rolebindings", "denied", ["patch", "rolebindings.rbac.authorization.k8s.io", "-n", "team"]],
    ["write: create roles", "denied", ["create", "roles.rbac.authorization.k8s.io", "-n", "team"]],
    ["write: bind roles", "denied", ["bind", "roles.rbac.authorization.k8s.io", "-n", "team"]],
    ["write: escalate roles", "denied", ["escalate", "roles.rbac.authorization.k8s.io", "-n", "team"]],
    ["write: create serviceaccounts/token", "denied", ["create", "serviceaccounts", "--subresource=token", "-n", "team"]],
    ["write: impersonate serviceaccounts", "denied", ["impersonate", "serviceaccounts", "-n", "team"]],
    ["write: create pods/exec", "denied", ["create", "pods", "--subresource=exec", "-n", "team"]],
    ["write: create pods/attach", "denied", ["create", "pods", "--subresource=attach", "-n", "team"]],
    ["write: create pods/portforward", "denied", ["create", "pods", "--subresource=portforward", "-n", "team"]],
    ["write: patch endpoints", "denied", ["patch", "endpoints", "-n", "team"]],
    ["admin: create rolebindings", "allowed", ["create", "rolebindings.rbac.authorization.k8s.io", "-n", "ops"]],
    ["admin: patch roles", "allowed", ["patch", "roles.rbac.authorization.k8s.io", "-n", "ops"]],
    ["admin: bind clusterroles (lifts the escalation check)", "denied", ["bind", "clusterroles.rbac.authorization.k8s.io", "-n", "ops"]],
    ["admin: escalate roles", "denied", ["escalate", "roles.rbac.authorization.k8s.io", "-n", "ops"]],
    ["admin: create serviceaccounts/token", "denied", ["create", "serviceaccounts", "--subresource=token", "-n", "ops"]],
    ["admin: create clusterrolebindings", "denied", ["create", "clusterrolebindings.rbac.authorization.k8s.io"]],
    ["no opt-in: create customresourcedefinitions", "denied", ["create", "customresourcedefinitions.apiextensions.k8s.io"]],
  ])("SSAR %s: %s", async (_what, expected, args) => {
    expect((await canI(cluster, sa, args)) ? "allowed" : "denied").toBe(expected);
  });

  test("write: applying a RoleBinding of its own Role to system:authenticated is refused with 403 Forbidden", async () => {
    const out = await applyAs(sa, "team-everyone", [roleBinding("team", "everyone", { kind: "Role", name: "esc-agent-write" }, EVERYONE)]);
    expect(out).toMatch(/Error from server \(Forbidden\).*rolebindings.*is forbidden: User "system:serviceaccount:esc-agent-home:esc-agent" cannot patch resource "rolebindings"/s);
  });

  test("admin: binding its own Role to another ServiceAccount is applied (it holds every right it hands out)", async () => {
    const out = await applyAs(sa, "ops-helper", [roleBinding("ops", "helper", { kind: "Role", name: "esc-agent-admin" }, { kind: "ServiceAccount", name: "helper", namespace: "ops" })]);
    expect(out).toBe("applied");
    expect(await cluster.kubectl(["get", "rolebinding", "helper", "-n", "ops", "-o", "jsonpath={.roleRef.name}"])).toBe("esc-agent-admin");
  });

  test.each(["cluster-admin", "admin"])("admin: binding ClusterRole %s in ops is refused by the apiserver's escalation check", async (clusterRole) => {
    const out = await applyAs(sa, `ops-${clusterRole}`, [roleBinding("ops", `grab-${clusterRole}`, { kind: "ClusterRole", name: clusterRole }, EVERYONE)]);
    expect(out).toMatch(/Forbidden/);
    expect(out).toContain("attempting to grant RBAC permissions not currently held");
  });

  test("no opt-in: applying a CRD is refused with 403 Forbidden", async () => {
    const out = await applyAs(sa, "crd-denied", [crd("denied.example.com", "widgets")]);
    expect(out).toMatch(/Error from server \(Forbidden\).*customresourcedefinitions.*is forbidden/s);
  });
});

describe("clusterResources: the agent may install CRDs", () => {
  test("GIVEN clusterResources: [customresourcedefinitions] THEN SSAR allows creating CRDs and a real apply creates one; Namespaces and ClusterRoles stay denied", async () => {
    const sa = await grant("crd-agent", {}, ["customresourcedefinitions"], ["create", "customresourcedefinitions.apiextensions.k8s.io"]);
    expect(await canI(cluster, sa, ["patch", "customresourcedefinitions.apiextensions.k8s.io"])).toBe(true);
    expect(await canI(cluster, sa, ["create", "namespaces"])).toBe(false);
    expect(await canI(cluster, sa, ["create", "clusterroles.rbac.authorization.k8s.io"])).toBe(false);
    expect(await canI(cluster, sa, ["create", "customresourcedefinitions.apiextensions.k8s.io", "--subresource=status"])).toBe(false);
    expect(await applyAs(sa, "crd-allowed", [crd("allowed.example.com", "widgets")])).toBe("applied");
    expect(await cluster.kubectl(["get", "crd", "widgets.allowed.example.com", "-o", "name"])).toContain("widgets.allowed.example.com");
  });

  test("GIVEN resourceNames [widgets.named.example.com] THEN that CRD is created by server-side apply, and another CRD is refused", async () => {
    const crds = { apiGroup: "apiextensions.k8s.io", resources: ["customresourcedefinitions"], resourceNames: ["widgets.named.example.com"] };
    const sa = await grant("named-agent", {}, [crds], ["create", "customresourcedefinitions.apiextensions.k8s.io/widgets.named.example.com"]);
    expect(await canI(cluster, sa, ["create", "customresourcedefinitions.apiextensions.k8s.io/gadgets.named.example.com"])).toBe(false);
    expect(await applyAs(sa, "crd-named", [crd("named.example.com", "widgets")])).toBe("applied");
    expect(await applyAs(sa, "crd-other", [crd("named.example.com", "gadgets")])).toMatch(/Forbidden/);
  });
});
