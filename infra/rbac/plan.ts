/**
 * The RBAC plan, said as intent: per namespace an access level, turned into
 * Roles and RoleBindings for the agent's ServiceAccount. Pure data, no Pulumi:
 * the AgentRbac component and the plain-YAML renderer both read it. The rules
 * come from runtime/common/rbac-rules so `agentk generate` grants the same.
 */
import {
  adminRules,
  agentSelfRules,
  clusterRules,
  namespaceRules,
  READ_VERBS,
  WRITE_VERBS,
  type Access,
  type PolicyRule,
} from "../../runtime/common/rbac-rules";
import { DEFAULT_POD_SECURITY, type PodSecurityLevel } from "../../runtime/common/pod-security";
import type { KindRule, NamespaceConfig, NamespaceOnDestroy, StackConfig } from "../config";
import { impersonationRules } from "./impersonation";

export type { PolicyRule };

/** Why a Role exists: an access level of the stack config, or the agent's own needs. */
export type GrantPurpose = "admin" | "write" | "read" | "self";

/** The Pulumi type of the AgentRbac component: the policy pack checks that the impersonation grant is its child. */
export const AGENT_RBAC_TYPE = "gitops-agent:rbac:AgentRbac";
/** The label every object of the plan carries, naming the agent it serves. */
export const AGENT_LABEL = "gitops-agent.dev/agent";
/** On a Role that grants Secrets because the namespace config asked for it (the policy pack checks it). */
export const SECRETS_ALLOWED_ANNOTATION = "gitops-agent.dev/secrets-allowed";
/** On the ClusterRole and ClusterRoleBinding of the `clusterResources` opt-in (the policy pack checks it). */
export const CLUSTER_RESOURCES_ANNOTATION = "gitops-agent.dev/cluster-resources";
/** On the ClusterRole and ClusterRoleBinding of `agent.impersonation` (the policy pack recognises them by it, their name and contents). */
export const IMPERSONATION_ANNOTATION = "gitops-agent.dev/impersonation";
/** Namespaces every cluster has: given Roles, never created (creating one would fail, deleting it would hurt). */
export const BUILT_IN_NAMESPACES: readonly string[] = ["default"];

export interface ServiceAccountRef {
  readonly name: string;
  readonly namespace: string;
}

export interface PlannedNamespace {
  readonly name: string;
  /** The access level the stack config asked for; `none` for the agent's own namespace unless listed. */
  readonly access: Access;
  /** The agent's own namespace (inventory ConfigMaps, leader-election Lease). */
  readonly agentHome: boolean;
  /** False for namespaces that always exist (`default`): the plan grants there but does not create them. */
  readonly create: boolean;
  /** Pod Security level its labels enforce when the plan creates it; `restricted` unless the stack config says otherwise. */
  readonly podSecurity: PodSecurityLevel;
  /** What `pulumi destroy` does with it: keep (default: adopted if it exists, only our labels removed) or delete it with everything in it. */
  readonly onDestroy: NamespaceOnDestroy;
}

/** One Role and the RoleBinding of the same name that binds it to the agent's ServiceAccount. */
export interface PlannedGrant {
  /** Name of both the Role and the RoleBinding, e.g. `dude-agent-write`. */
  readonly name: string;
  readonly namespace: string;
  readonly purpose: GrantPurpose;
  /** The Role grants Secrets (asked for with `secrets: true`). */
  readonly secrets: boolean;
  readonly rules: readonly PolicyRule[];
}

/** The `clusterResources` opt-in, or `agent.impersonation`: one ClusterRole and the ClusterRoleBinding of the same name. */
export interface PlannedClusterGrant {
  /** `<agent>-cluster` or `<agent>-impersonate`. */
  readonly name: string;
  readonly rules: readonly PolicyRule[];
}

export interface RbacPlan {
  /** The agent's ServiceAccount: the subject of every binding. Named after the agent. */
  readonly serviceAccount: ServiceAccountRef;
  /** Sorted by name. */
  readonly namespaces: readonly PlannedNamespace[];
  /** Sorted by namespace, then name. Namespaces with access none have none. */
  readonly grants: readonly PlannedGrant[];
  /** Only when the stack config opts in to cluster-scoped kinds. */
  readonly cluster?: PlannedClusterGrant;
  /** Only when `agent.impersonation` is configured: the `impersonate` verb on exactly those users, groups, uids and extras. */
  readonly impersonation?: PlannedClusterGrant;
}

/** The plan with nothing in it: what a stack file without gitops-agent config means to rbac:diff. */
export const EMPTY_PLAN: RbacPlan = { serviceAccount: { name: "", namespace: "" }, namespaces: [], grants: [] };

/** `<agent>-write`, `<agent>-read`, `<agent>-self`, `<agent>-cluster`, `<agent>-impersonate`: predictable, so a person can find them with kubectl. */
export function grantName(agentName: string, purpose: GrantPurpose | "cluster" | "impersonate"): string {
  return `${agentName}-${purpose}`;
}

/** Rules for a custom kinds list: one rule per API group, Secrets appended to the core group when asked. */
function kindRules(access: "write" | "read", kinds: readonly KindRule[], secrets: boolean): PolicyRule[] {
  const verbs = access === "write" ? WRITE_VERBS : READ_VERBS;
  const byGroup = new Map<string, string[]>();
  for (const k of kinds) {
    const resources = byGroup.get(k.apiGroup) ?? [];
    for (const r of k.resources) if (!resources.includes(r)) resources.push(r);
    byGroup.set(k.apiGroup, resources);
  }
  if (secrets) byGroup.set("", [...(byGroup.get("") ?? []), "secrets"]);
  return [...byGroup].map(([group, resources]) => ({ apiGroups: [group], resources, verbs: [...verbs] }));
}

function rulesFor(ns: NamespaceConfig & { access: "admin" | "write" | "read" }): PolicyRule[] {
  if (!ns.kinds) return namespaceRules(ns.access, { secrets: ns.secrets });
  if (ns.access !== "admin") return kindRules(ns.access, ns.kinds, ns.secrets);
  return [...kindRules("write", ns.kinds, ns.secrets), ...adminRules()];
}

/**
 * Stack config -> the Namespaces, Roles and RoleBindings the agent gets, and
 * a ClusterRole only for the kinds `clusterResources` names and one for the
 * identities `agent.impersonation` names. No cluster-scoped RBAC, ever.
 */
export function planRbac(config: Pick<StackConfig, "agent" | "namespaces"> & Partial<Pick<StackConfig, "clusterResources">>): RbacPlan {
  const { name: agent, namespace: home, impersonation: whom } = config.agent;
  const names = [...new Set([...Object.keys(config.namespaces), home])].sort();
  const namespaces: PlannedNamespace[] = names.map((name) => ({
    name,
    access: config.namespaces[name]?.access ?? "none",
    agentHome: name === home,
    create: !BUILT_IN_NAMESPACES.includes(name),
    podSecurity: config.namespaces[name]?.podSecurity ?? DEFAULT_POD_SECURITY,
    onDestroy: config.namespaces[name]?.onDestroy ?? "keep",
  }));
  const grants: PlannedGrant[] = [];
  for (const name of names) {
    const ns = config.namespaces[name];
    if (name === home) {
      grants.push({ name: grantName(agent, "self"), namespace: name, purpose: "self", secrets: false, rules: agentSelfRules(agent) });
    }
    if (ns && ns.access !== "none") {
      const access = ns.access;
      grants.push({ name: grantName(agent, access), namespace: name, purpose: access, secrets: ns.secrets, rules: rulesFor({ ...ns, access }) });
    }
  }
  const cluster = config.clusterResources?.length
    ? { cluster: { name: grantName(agent, "cluster"), rules: clusterRules(config.clusterResources) } }
    : {};
  const impersonation = whom ? { impersonation: { name: grantName(agent, "impersonate"), rules: impersonationRules(whom) } } : {};
  return { serviceAccount: { name: agent, namespace: home }, namespaces, grants, ...cluster, ...impersonation };
}
