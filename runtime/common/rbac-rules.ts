/**
 * The least-privilege rules the agent needs, said as intent (cdk8s-plus habit)
 * and derived in this one place, for `agentk generate` and infra/rbac alike.
 * No wildcard verbs or resources; Secrets only when asked for.
 */
import { agentStateNames } from "./agent-state";

export interface PolicyRule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  /** Only these objects (never honoured for create, list or watch: those verbs are not granted with names). */
  readonly resourceNames?: readonly string[];
  readonly verbs: readonly string[];
}

/** Server-side apply (get + patch, create on first apply), status reads (list/watch), prune (delete). */
export const WRITE_VERBS = ["get", "list", "watch", "create", "update", "patch", "delete"] as const;
export const READ_VERBS = ["get", "list", "watch"] as const;

/** The namespaced kinds a manifest project usually holds, by API group. */
export const MANAGED_RESOURCES: Readonly<Record<string, readonly string[]>> = {
  "": ["configmaps", "services", "serviceaccounts", "persistentvolumeclaims", "pods", "endpoints", "limitranges", "resourcequotas"],
  apps: ["deployments", "statefulsets", "daemonsets", "replicasets"],
  batch: ["jobs", "cronjobs"],
  autoscaling: ["horizontalpodautoscalers"],
  policy: ["poddisruptionbudgets"],
  "networking.k8s.io": ["ingresses", "networkpolicies"],
  "rbac.authorization.k8s.io": ["roles", "rolebindings"],
};

export type Access = "write" | "read" | "none";

/** Rules for one namespace at an access level; `secrets` adds Secrets at the same level. */
export function namespaceRules(access: Access, options: { secrets?: boolean } = {}): PolicyRule[] {
  if (access === "none") return [];
  const verbs = access === "write" ? WRITE_VERBS : READ_VERBS;
  return Object.entries(MANAGED_RESOURCES).map(([group, resources]) => ({
    apiGroups: [group],
    resources: group === "" && options.secrets ? [...resources, "secrets"] : [...resources],
    verbs: [...verbs],
  }));
}

/**
 * What the agent needs in its own namespace: its inventory ConfigMap and its
 * leader-election Lease, by name and nothing else, so agents sharing the
 * namespace cannot read, take or rewrite each other's (see agent-state.ts).
 * No create, list, watch or delete: the two objects are created up front.
 */
export function agentSelfRules(serviceAccount: string): PolicyRule[] {
  const names = agentStateNames(serviceAccount);
  return [
    { apiGroups: [""], resources: ["configmaps"], resourceNames: [names.inventory], verbs: ["get", "update", "patch"] },
    { apiGroups: ["coordination.k8s.io"], resources: ["leases"], resourceNames: [names.lease], verbs: ["get", "update"] },
  ];
}
