/**
 * Impersonation in the policy pack: the agent's grant as the planner renders it
 * passes every mandatory policy; anything else that impersonates, or that
 * looks like the grant but is not exactly it, is refused; any group is refused
 * unless the policy config names the agent; the grant is always flagged.
 */
import { parseStackConfig } from "../config";
import { AGENT_RBAC_TYPE, planRbac, renderManifests, type ClusterRoleBindingManifest, type ClusterRoleManifest } from "../rbac";
import { binding, role, rule, TYPE_OF, urnOf, violations, type Props } from "../../test/policy-args";
import { CLUSTER_ROLE, CLUSTER_ROLE_BINDING, impersonation, noBroadImpersonation, noClusterWideAgentWrite, noEscalationPaths, policies, ROLE, ROLE_BINDING, type RbacPolicyConfig } from "./policies";

const SA: RbacPolicyConfig = { agentServiceAccounts: ["gitlab-k8s-agent/dude-agent"] };
const inRbac = (type: string): string => urnOf(type, AGENT_RBAC_TYPE);

function rendered(whom: Record<string, unknown>) {
  const config = parseStackConfig({ cluster: { provider: "existing", kubeconfig: "k" }, agent: { name: "dude-agent", impersonation: whom }, namespaces: { dude: "write" } });
  return renderManifests(planRbac(config));
}

function grantOf(whom: Record<string, unknown>): { role: Props; binding: Props } {
  const manifests = rendered(whom);
  const role = manifests.find((m): m is ClusterRoleManifest => m.kind === "ClusterRole" && m.metadata.name === "dude-agent-impersonate");
  const bound = manifests.find((m): m is ClusterRoleBindingManifest => m.kind === "ClusterRoleBinding" && m.metadata.name === "dude-agent-impersonate");
  if (!role || !bound) throw new Error("no impersonation grant rendered");
  return { role: role as unknown as Props, binding: bound as unknown as Props };
}

const CI_JOB = { ciJob: true, groups: ["gitlab:project:42"] };
const MARK = { name: "dude-agent-impersonate", labels: { "gitops-agent.dev/agent": "dude-agent" }, annotations: { "gitops-agent.dev/impersonation": "true" } };
const users = (names?: string[]) => rule([""], ["users"], ["impersonate"], names);
const groups = (names?: string[]) => rule([""], ["groups"], ["impersonate"], names);

/** Every mandatory policy's messages for one resource, prefixed with the policy's name. */
async function mandatory(type: string, props: Props, urn: string, config: RbacPolicyConfig = SA): Promise<string[]> {
  const out: string[] = [];
  for (const p of policies.filter((p) => p.enforcementLevel === "mandatory")) out.push(...(await violations(p, type, props, config, urn)).map((m) => `${p.name}: ${m}`));
  return out;
}

describe("the rendered grant", () => {
  test("GIVEN ciJob with gitlab:project:42 WHEN rendered inside AgentRbac THEN every mandatory policy passes every object, and rbac-impersonation flags the ClusterRole, any user first", async () => {
    const advisories: string[] = [];
    for (const m of rendered(CI_JOB)) {
      const type = TYPE_OF[m.kind];
      expect(await mandatory(type, m as unknown as Props, inRbac(type))).toEqual([]);
      advisories.push(...(await violations(impersonation, type, m as unknown as Props, SA, inRbac(type))));
    }
    expect(advisories).toEqual([
      "ClusterRole dude-agent-impersonate lets the agent impersonate any user; groups gitlab:ci_job, gitlab:project:42; extra keys agent.gitlab.com/ci_job_id, agent.gitlab.com/ci_pipeline_id, agent.gitlab.com/config_project_id, agent.gitlab.com/environment_slug, agent.gitlab.com/environment_tier, agent.gitlab.com/id, agent.gitlab.com/project_id, agent.gitlab.com/username (gitops-agent:agent.impersonation): kas's CI/CD tunnel sends requests as these identities. Any user includes every right bound to a user name (system:kube-controller-manager's too): keep the agent's ci_access narrow.",
    ]);
  });

  test("GIVEN any uid and an extra key with any value THEN the advisory says any uid", async () => {
    const { role: props } = grantOf({ users: ["deployer"], uids: "*", extras: { scopes: "*" } });
    expect(await violations(impersonation, CLUSTER_ROLE, props, SA, inRbac(CLUSTER_ROLE))).toEqual([
      "ClusterRole dude-agent-impersonate lets the agent impersonate users deployer; any uid; extra keys scopes (gitops-agent:agent.impersonation): kas's CI/CD tunnel sends requests as these identities.",
    ]);
  });

  test("GIVEN named users and a uid THEN the advisory names them and says nothing of any user", async () => {
    const { role: props } = grantOf({ users: ["deployer"], uids: ["u-1"] });
    expect(await violations(impersonation, CLUSTER_ROLE, props, SA, inRbac(CLUSTER_ROLE))).toEqual([
      "ClusterRole dude-agent-impersonate lets the agent impersonate users deployer; uids u-1 (gitops-agent:agent.impersonation): kas's CI/CD tunnel sends requests as these identities.",
    ]);
  });
});

describe("rbac-no-escalation-paths: impersonate only in the agent's own grant", () => {
  const marked = "ClusterRole dude-agent-impersonate is marked gitops-agent.dev/impersonation: \"true\" but";
  const escalations = (what: string, rules: number): string[] =>
    Array.from({ length: rules }, (_, i) => `${what} rule ${i} grants an escalation path: verb impersonate. Only the agent's <agent>-impersonate ClusterRole, from gitops-agent:agent.impersonation, may impersonate.`);
  const only = "only the AgentRbac component's <agent>-impersonate ClusterRole (gitops-agent:agent.impersonation), with only impersonate on users, groups, uids and userextras/<key>, bound to the agent's ServiceAccount alone may impersonate.";

  test.each<[string, Props, string, string[]]>([
    ["the grant, created at the stack's top level", grantOf(CI_JOB).role, urnOf(CLUSTER_ROLE), [`${marked} it is not created by the gitops-agent:rbac:AgentRbac component (its parent is the stack): ${only}`, ...escalations("ClusterRole dude-agent-impersonate", 3)]],
    ["the grant, created in another component", grantOf(CI_JOB).role, urnOf(CLUSTER_ROLE, "acme:Thing"), [`${marked} it is not created by the gitops-agent:rbac:AgentRbac component (its parent is acme:Thing): ${only}`, ...escalations("ClusterRole dude-agent-impersonate", 3)]],
    ["the grant without its annotation", role([users(), groups(["gitlab:ci_job"])], { name: "dude-agent-impersonate", labels: MARK.labels }), inRbac(CLUSTER_ROLE), escalations("ClusterRole dude-agent-impersonate", 2)],
    ["marked, but named for another agent", role([users()], { ...MARK, name: "other-impersonate" }), inRbac(CLUSTER_ROLE), [expect.stringContaining("but it is not named dude-agent-impersonate:") as unknown as string, expect.stringContaining("rule 0 grants an escalation path: verb impersonate.") as unknown as string]],
    ["marked, without the agent label", role([users()], { name: "dude-agent-impersonate", annotations: MARK.annotations }), inRbac(CLUSTER_ROLE), [expect.stringContaining("but it has no gitops-agent.dev/agent label:") as unknown as string, expect.stringContaining("verb impersonate.") as unknown as string]],
    ["marked, also impersonating serviceaccounts", role([users(), rule([""], ["serviceaccounts"], ["impersonate"])], MARK), inRbac(CLUSTER_ROLE), [`${marked} rule 1 names serviceaccounts, not only users, groups, uids or userextras/<key>: ${only}`, expect.stringContaining("rule 0 grants an escalation path: verb impersonate.") as unknown as string, expect.stringContaining("rule 1 grants an escalation path: verb impersonate.") as unknown as string]],
    ["marked, also reading secrets", role([users(), rule([""], ["secrets"], ["get"])], MARK), inRbac(CLUSTER_ROLE), [`${marked} rule 1 has verbs get, not just impersonate: ${only}`, expect.stringContaining("rule 0 grants an escalation path: verb impersonate.") as unknown as string]],
    ["marked, impersonating and escalating in one rule", role([rule([""], ["users"], ["impersonate", "escalate"])], MARK), inRbac(CLUSTER_ROLE), [`${marked} rule 0 has verbs impersonate, escalate, not just impersonate: ${only}`, expect.stringContaining("rule 0 grants an escalation path: verb impersonate; verb escalate.") as unknown as string]],
    ["marked, with every extra key (userextras/*)", role([rule(["authentication.k8s.io"], ["userextras/*"], ["impersonate"])], MARK), inRbac(CLUSTER_ROLE), [`${marked} rule 0 names userextras/*, not only users, groups, uids or userextras/<key>: ${only}`, expect.stringContaining("verb impersonate.") as unknown as string]],
    ["marked, users in the wrong API group", role([rule(["authentication.k8s.io"], ["users"], ["impersonate"])], MARK), inRbac(CLUSTER_ROLE), [`${marked} rule 0 names users, not only users, groups, uids or userextras/<key>: ${only}`, expect.stringContaining("verb impersonate.") as unknown as string]],
    ["a namespaced Role marked as the grant", role([users()], { ...MARK, namespace: "dude" }), inRbac(ROLE), [expect.stringContaining("Role dude/dude-agent-impersonate is marked gitops-agent.dev/impersonation: \"true\" but impersonation is cluster-scoped: only a ClusterRole can be the grant:") as unknown as string, expect.stringContaining("verb impersonate.") as unknown as string]],
  ])("%s", async (_case, props, urn, expected) => {
    expect(await violations(noEscalationPaths, urn.includes("/v1:Role::") ? ROLE : CLUSTER_ROLE, props, SA, urn)).toEqual(expected);
  });

  const bindingMark = { ...MARK };
  const ref = { kind: "ClusterRole", name: "dude-agent-impersonate" };
  test.each<[string, string, Props, string, string[]]>([
    ["the rendered binding", CLUSTER_ROLE_BINDING, grantOf(CI_JOB).binding, inRbac(CLUSTER_ROLE_BINDING), []],
    ["the binding with a second subject", CLUSTER_ROLE_BINDING, binding(ref, [{ kind: "ServiceAccount", name: "dude-agent", namespace: "gitlab-k8s-agent" }, { kind: "User", name: "eve" }], bindingMark), inRbac(CLUSTER_ROLE_BINDING), [expect.stringContaining("ClusterRoleBinding dude-agent-impersonate is marked gitops-agent.dev/impersonation: \"true\" but its subjects are not exactly the agent's ServiceAccount dude-agent:") as unknown as string]],
    ["the binding to another ServiceAccount", CLUSTER_ROLE_BINDING, binding(ref, [{ kind: "ServiceAccount", name: "helper", namespace: "gitlab-k8s-agent" }], bindingMark), inRbac(CLUSTER_ROLE_BINDING), [expect.stringContaining("but its subjects are not exactly the agent's ServiceAccount dude-agent:") as unknown as string]],
    ["the marked binding of another ClusterRole", CLUSTER_ROLE_BINDING, binding({ kind: "ClusterRole", name: "cluster-admin" }, undefined, bindingMark), inRbac(CLUSTER_ROLE_BINDING), [expect.stringContaining("but it does not bind ClusterRole dude-agent-impersonate:") as unknown as string]],
    ["an unmarked binding of the grant to a user", CLUSTER_ROLE_BINDING, binding(ref, [{ kind: "User", name: "eve" }], { name: "eve" }), urnOf(CLUSTER_ROLE_BINDING), [expect.stringContaining("ClusterRoleBinding eve binds ClusterRole dude-agent-impersonate, an agent's impersonation grant by its name, but is not that agent's own binding of it:") as unknown as string]],
    ["a RoleBinding of the grant", ROLE_BINDING, binding(ref, undefined, { name: "rb", namespace: "dude" }), urnOf(ROLE_BINDING), [expect.stringContaining("RoleBinding dude/rb binds ClusterRole dude-agent-impersonate, an agent's impersonation grant by its name") as unknown as string]],
  ])("%s", async (_case, type, props, urn, expected) => {
    expect(await violations(noEscalationPaths, type, props, SA, urn)).toEqual(expected);
  });
});

describe("rbac-no-cluster-wide-agent-write lets only the recognised grant and binding through", () => {
  test("the rendered grant and binding pass; the same ClusterRole outside AgentRbac writes (impersonate) cluster-wide", async () => {
    const { role: grant, binding: bound } = grantOf(CI_JOB);
    expect(await violations(noClusterWideAgentWrite, CLUSTER_ROLE, grant, SA, inRbac(CLUSTER_ROLE))).toEqual([]);
    expect(await violations(noClusterWideAgentWrite, CLUSTER_ROLE_BINDING, bound, SA, inRbac(CLUSTER_ROLE_BINDING))).toEqual([]);
    expect(await violations(noClusterWideAgentWrite, CLUSTER_ROLE, grant, SA, urnOf(CLUSTER_ROLE))).toEqual([
      "ClusterRole dude-agent-impersonate grants write verbs cluster-wide (impersonate): the agent writes only through namespaced Roles.",
    ]);
    expect(await violations(noClusterWideAgentWrite, CLUSTER_ROLE_BINDING, bound, SA, urnOf(CLUSTER_ROLE_BINDING))).toEqual([
      "ClusterRoleBinding dude-agent-impersonate gives the ServiceAccount gitlab-k8s-agent/dude-agent cluster-wide rights: use a RoleBinding in each namespace the agent may write.",
    ]);
  });

  test("the binding's ServiceAccount must be one of agentServiceAccounts when they are listed", async () => {
    const bound = binding({ kind: "ClusterRole", name: "dude-agent-impersonate" }, [{ kind: "ServiceAccount", name: "dude-agent", namespace: "elsewhere" }], MARK);
    expect(await violations(noClusterWideAgentWrite, CLUSTER_ROLE_BINDING, bound, SA, inRbac(CLUSTER_ROLE_BINDING))).toEqual([
      "ClusterRoleBinding dude-agent-impersonate binds the impersonation grant to ServiceAccount elsewhere/dude-agent, which agentServiceAccounts does not list.",
    ]);
    expect(await violations(noClusterWideAgentWrite, CLUSTER_ROLE_BINDING, bound, {}, inRbac(CLUSTER_ROLE_BINDING))).toEqual([]);
  });
});

describe("rbac-no-broad-impersonation (mandatory)", () => {
  const anyGroup = "ClusterRole dude-agent-impersonate rule 1 lets its holder impersonate any group, system:masters included, i.e. act as cluster-admin: name the groups (gitops-agent:agent.impersonation.groups), or, if this agent really must, list it in the policy config allowAnyGroupImpersonation.";
  const broad = () => grantOf({ ciJob: true, groups: "*", acceptClusterAdmin: true }).role;

  test.each<[string, Props, string, RbacPolicyConfig, string[]]>([
    ["the ciJob grant with listed groups", grantOf(CI_JOB).role, inRbac(CLUSTER_ROLE), {}, []],
    ["the grant with any user and no group", grantOf({ users: "*" }).role, inRbac(CLUSTER_ROLE), {}, []],
    ["the grant with any group (acceptClusterAdmin in the stack config)", broad(), inRbac(CLUSTER_ROLE), {}, [anyGroup]],
    ["the same, allowAnyGroupImpersonation naming another agent", broad(), inRbac(CLUSTER_ROLE), { allowAnyGroupImpersonation: ["other-agent"] }, [anyGroup]],
    ["the same, allowAnyGroupImpersonation naming this agent", broad(), inRbac(CLUSTER_ROLE), { allowAnyGroupImpersonation: ["dude-agent"] }, []],
    ["the same allowed grant outside AgentRbac (not the recognised grant)", broad(), urnOf(CLUSTER_ROLE), { allowAnyGroupImpersonation: ["dude-agent"] }, [anyGroup]],
    ["a hand-written grant of group system:masters", role([users(), groups(["gitlab:ci_job", "system:masters"])], MARK), inRbac(CLUSTER_ROLE), { allowAnyGroupImpersonation: ["dude-agent"] }, ["ClusterRole dude-agent-impersonate rule 1 lets its holder impersonate groups system:masters: system:* identities are Kubernetes' own (system:masters is cluster-admin)."]],
    ["a hand-written grant of user system:admin", role([users(["system:admin"])], MARK), inRbac(CLUSTER_ROLE), {}, ["ClusterRole dude-agent-impersonate rule 0 lets its holder impersonate users system:admin: system:* identities are Kubernetes' own (system:masters is cluster-admin)."]],
    ["any group through a wildcard resource", role([rule([""], ["*"], ["impersonate"])], { name: "wild" }), urnOf(CLUSTER_ROLE), {}, ["ClusterRole wild rule 0 lets its holder impersonate any group, system:masters included, i.e. act as cluster-admin: name the groups (gitops-agent:agent.impersonation.groups), or, if this agent really must, list it in the policy config allowAnyGroupImpersonation."]],
    ["a Role reading groups (not impersonating)", role([rule([""], ["groups"], ["get"])]), urnOf(ROLE), {}, []],
  ])("%s", async (_case, props, urn, config, expected) => {
    expect(await violations(noBroadImpersonation, urn.includes("/v1:Role::") ? ROLE : CLUSTER_ROLE, props, config, urn)).toEqual(expected);
  });
});
