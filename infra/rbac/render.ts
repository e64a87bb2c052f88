/**
 * The plan as plain Kubernetes objects. One source for both paths: the
 * AgentRbac component passes these metadata/rules/roleRef/subjects to
 * @pulumi/kubernetes, and `kubectl apply` of the same objects (tests, demo)
 * gives the very same rights.
 */
import { stringify } from "yaml";
import { agentStateObjects } from "../../runtime/common/agent-state";
import { podSecurityLabels } from "../../runtime/common/pod-security";
import {
  AGENT_LABEL,
  CLUSTER_RESOURCES_ANNOTATION,
  IMPERSONATION_ANNOTATION,
  SECRETS_ALLOWED_ANNOTATION,
  type PlannedClusterGrant,
  type PlannedGrant,
  type PlannedNamespace,
  type PolicyRule,
  type RbacPlan,
} from "./plan";

const RBAC_API = "rbac.authorization.k8s.io";

export interface ManifestMetadata {
  name: string;
  namespace?: string;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface NamespaceManifest {
  apiVersion: "v1";
  kind: "Namespace";
  metadata: ManifestMetadata;
}

export interface RuleManifest {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

export interface RoleManifest {
  apiVersion: "rbac.authorization.k8s.io/v1";
  kind: "Role";
  metadata: ManifestMetadata;
  rules: RuleManifest[];
}

export interface RoleBindingManifest {
  apiVersion: "rbac.authorization.k8s.io/v1";
  kind: "RoleBinding";
  metadata: ManifestMetadata;
  roleRef: { apiGroup: string; kind: "Role"; name: string };
  subjects: { kind: "ServiceAccount"; name: string; namespace: string }[];
}

export interface ClusterRoleManifest {
  apiVersion: "rbac.authorization.k8s.io/v1";
  kind: "ClusterRole";
  metadata: ManifestMetadata;
  rules: RuleManifest[];
}

export interface ClusterRoleBindingManifest {
  apiVersion: "rbac.authorization.k8s.io/v1";
  kind: "ClusterRoleBinding";
  metadata: ManifestMetadata;
  roleRef: { apiGroup: string; kind: "ClusterRole"; name: string };
  subjects: { kind: "ServiceAccount"; name: string; namespace: string }[];
}

/** The agent's Lease or inventory ConfigMap (runtime/common/agent-state), created empty. */
export interface AgentStateManifest {
  apiVersion: "v1" | "coordination.k8s.io/v1";
  kind: "ConfigMap" | "Lease";
  metadata: ManifestMetadata;
}

export type RbacManifest =
  | NamespaceManifest
  | AgentStateManifest
  | RoleManifest
  | RoleBindingManifest
  | ClusterRoleManifest
  | ClusterRoleBindingManifest;

function labels(plan: RbacPlan): Record<string, string> {
  return {
    "app.kubernetes.io/part-of": "gitops-agent",
    "app.kubernetes.io/component": "agent-rbac",
    [AGENT_LABEL]: plan.serviceAccount.name,
  };
}

export function renderNamespace(plan: RbacPlan, ns: PlannedNamespace): NamespaceManifest {
  return { apiVersion: "v1", kind: "Namespace", metadata: { name: ns.name, labels: { ...labels(plan), ...podSecurityLabels(ns.podSecurity) } } };
}

/** The agent's Lease and inventory ConfigMap, created up front: its Role may only get, update and patch them by name. */
export function renderAgentState(plan: RbacPlan): AgentStateManifest[] {
  return agentStateObjects(plan.serviceAccount.namespace, plan.serviceAccount.name, labels(plan)).map((o) => ({
    apiVersion: o.apiVersion,
    kind: o.kind,
    metadata: { ...o.metadata, labels: { ...o.metadata.labels } },
  }));
}

export function renderRole(plan: RbacPlan, grant: PlannedGrant): RoleManifest {
  return {
    apiVersion: `${RBAC_API}/v1`,
    kind: "Role",
    metadata: {
      name: grant.name,
      namespace: grant.namespace,
      labels: labels(plan),
      ...(grant.secrets ? { annotations: { [SECRETS_ALLOWED_ANNOTATION]: "true" } } : {}),
    },
    rules: grant.rules.map(renderRule),
  };
}

function renderRule(r: PolicyRule): RuleManifest {
  const names = r.resourceNames ? { resourceNames: [...r.resourceNames] } : {};
  return { apiGroups: [...r.apiGroups], resources: [...r.resources], ...names, verbs: [...r.verbs] };
}

const clusterMetadata = (plan: RbacPlan, grant: PlannedClusterGrant, annotation: string): ManifestMetadata => ({
  name: grant.name,
  labels: labels(plan),
  annotations: { [annotation]: "true" },
});

function clusterRole(plan: RbacPlan, grant: PlannedClusterGrant, annotation: string): ClusterRoleManifest {
  return { apiVersion: `${RBAC_API}/v1`, kind: "ClusterRole", metadata: clusterMetadata(plan, grant, annotation), rules: grant.rules.map(renderRule) };
}

function clusterRoleBinding(plan: RbacPlan, grant: PlannedClusterGrant, annotation: string): ClusterRoleBindingManifest {
  const sa = plan.serviceAccount;
  return {
    apiVersion: `${RBAC_API}/v1`,
    kind: "ClusterRoleBinding",
    metadata: clusterMetadata(plan, grant, annotation),
    roleRef: { apiGroup: RBAC_API, kind: "ClusterRole", name: grant.name },
    subjects: [{ kind: "ServiceAccount", name: sa.name, namespace: sa.namespace }],
  };
}

/** The `clusterResources` opt-in: annotated so the policy pack tells it from any other cluster-wide grant. */
export const renderClusterRole = (plan: RbacPlan, grant: PlannedClusterGrant): ClusterRoleManifest => clusterRole(plan, grant, CLUSTER_RESOURCES_ANNOTATION);
export const renderClusterRoleBinding = (plan: RbacPlan, grant: PlannedClusterGrant): ClusterRoleBindingManifest =>
  clusterRoleBinding(plan, grant, CLUSTER_RESOURCES_ANNOTATION);

/** `agent.impersonation`: annotated so the policy pack tells it from any other impersonate grant (it checks name and contents too). */
export const renderImpersonationRole = (plan: RbacPlan, grant: PlannedClusterGrant): ClusterRoleManifest => clusterRole(plan, grant, IMPERSONATION_ANNOTATION);
export const renderImpersonationBinding = (plan: RbacPlan, grant: PlannedClusterGrant): ClusterRoleBindingManifest =>
  clusterRoleBinding(plan, grant, IMPERSONATION_ANNOTATION);

export function renderRoleBinding(plan: RbacPlan, grant: PlannedGrant): RoleBindingManifest {
  const sa = plan.serviceAccount;
  return {
    apiVersion: `${RBAC_API}/v1`,
    kind: "RoleBinding",
    metadata: { name: grant.name, namespace: grant.namespace, labels: labels(plan) },
    roleRef: { apiGroup: RBAC_API, kind: "Role", name: grant.name },
    subjects: [{ kind: "ServiceAccount", name: sa.name, namespace: sa.namespace }],
  };
}

/** Namespaces first (Roles need them), the agent's own Lease and inventory, each Role followed by its RoleBinding, then the opted-in ClusterRoles and their bindings. */
export function renderManifests(plan: RbacPlan): RbacManifest[] {
  return [
    ...plan.namespaces.filter((ns) => ns.create).map((ns) => renderNamespace(plan, ns)),
    ...(plan.serviceAccount.name ? renderAgentState(plan) : []),
    ...plan.grants.flatMap((g) => [renderRole(plan, g), renderRoleBinding(plan, g)]),
    ...(plan.cluster ? [renderClusterRole(plan, plan.cluster), renderClusterRoleBinding(plan, plan.cluster)] : []),
    ...(plan.impersonation ? [renderImpersonationRole(plan, plan.impersonation), renderImpersonationBinding(plan, plan.impersonation)] : []),
  ];
}

/** Multi-document YAML for `kubectl apply -f`. */
export function manifestsToYaml(manifests: readonly RbacManifest[]): string {
  return manifests.map((m) => stringify(m)).join("---\n");
}
