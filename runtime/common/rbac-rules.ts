/**
 * The least-privilege rules the agent needs, said as intent (cdk8s-plus habit)
 * and derived in this one place, for `agentk generate` and infra/rbac alike.
 * No wildcard verbs or resources; Secrets only when asked for; no RBAC and no
 * other escalation path below `admin`.
 */
import { agentStateNames } from "./agent-state";

export interface PolicyRule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
  /** Only these object names (never narrows create, list or watch: the apiserver has no name for them). */
  readonly resourceNames?: readonly string[];
}

/** Server-side apply (get + patch, create on first apply), status reads (list/watch), prune (delete). */
export const WRITE_VERBS = ["get", "list", "watch", "create", "update", "patch", "delete"] as const;
export const READ_VERBS = ["get", "list", "watch"] as const;

/**
 * The namespaced kinds a manifest project usually holds, by API group. No RBAC
 * (that is `admin`) and no `endpoints`: writing Endpoints can point a Service
 * anywhere (CVE-2021-25740; Kubernetes' own `edit` role dropped it in 1.22).
 */
export const MANAGED_RESOURCES: Readonly<Record<string, readonly string[]>> = {
  "": ["configmaps", "services", "serviceaccounts", "persistentvolumeclaims", "pods", "limitranges", "resourcequotas"],
  apps: ["deployments", "statefulsets", "daemonsets", "replicasets"],
  batch: ["jobs", "cronjobs"],
  autoscaling: ["horizontalpodautoscalers"],
  policy: ["poddisruptionbudgets"],
  "networking.k8s.io": ["ingresses", "networkpolicies"],
};

export const RBAC_GROUP = "rbac.authorization.k8s.io";
/** What `admin` adds to `write`: the namespaced RBAC kinds, for teams that manage RBAC through Git. */
export const ADMIN_RESOURCES: Readonly<Record<string, readonly string[]>> = { [RBAC_GROUP]: ["roles", "rolebindings"] };

/** Verbs that lift the apiserver's escalation check or act as someone else: never granted, at any level. */
export const ESCALATION_VERBS = ["escalate", "bind", "impersonate"] as const;

/**
 * Resources through which rights on a namespace become more rights: never in
 * `write` or `read`, nor in a custom `kinds` list (roles and rolebindings come
 * only with `admin`). Subresources are not covered by their parent's rule, so
 * `pods` does not grant `pods/exec`; they are listed so nobody adds them.
 */
export const ESCALATION_RESOURCES: readonly { readonly apiGroup: string; readonly resource: string; readonly why: string }[] = [
  { apiGroup: RBAC_GROUP, resource: "roles", why: "a Role can grant any right the agent holds; use access admin" },
  { apiGroup: RBAC_GROUP, resource: "rolebindings", why: "a RoleBinding hands the agent's rights to anyone, e.g. system:authenticated; use access admin" },
  { apiGroup: "", resource: "serviceaccounts/token", why: "mints tokens of every ServiceAccount in the namespace" },
  { apiGroup: "", resource: "pods/exec", why: "runs commands in running pods, with their ServiceAccount and mounts" },
  { apiGroup: "", resource: "pods/attach", why: "attaches to running pods' processes" },
  { apiGroup: "", resource: "pods/portforward", why: "reaches pods' ports past NetworkPolicies" },
  { apiGroup: "", resource: "pods/proxy", why: "proxies requests to pods through the apiserver" },
  { apiGroup: "", resource: "services/proxy", why: "proxies requests to services through the apiserver" },
  { apiGroup: "", resource: "pods/ephemeralcontainers", why: "adds a container to a running pod, with its ServiceAccount and mounts" },
  { apiGroup: "", resource: "endpoints", why: "can point a Service at any address (CVE-2021-25740)" },
  { apiGroup: "discovery.k8s.io", resource: "endpointslices", why: "can point a Service at any address (CVE-2021-25740)" },
];

/** `admin` is `write` plus Roles and RoleBindings; the apiserver still refuses to grant what the agent does not hold. */
export type Access = "admin" | "write" | "read" | "none";

const rulesOf = (groups: Readonly<Record<string, readonly string[]>>, verbs: readonly string[], secrets: boolean): PolicyRule[] =>
  Object.entries(groups).map(([group, resources]) => ({
    apiGroups: [group],
    resources: group === "" && secrets ? [...resources, "secrets"] : [...resources],
    verbs: [...verbs],
  }));

/** Rules for one namespace at an access level; `secrets` adds Secrets at the same level. */
export function namespaceRules(access: Access, options: { secrets?: boolean } = {}): PolicyRule[] {
  if (access === "none") return [];
  const secrets = options.secrets ?? false;
  if (access === "read") return rulesOf(MANAGED_RESOURCES, READ_VERBS, secrets);
  const write = rulesOf(MANAGED_RESOURCES, WRITE_VERBS, secrets);
  return access === "admin" ? [...write, ...adminRules()] : write;
}

/** The rules `admin` adds to a namespace's write rules (also to a custom `kinds` list). */
export function adminRules(): PolicyRule[] {
  return rulesOf(ADMIN_RESOURCES, WRITE_VERBS, false);
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

/** One opted-in cluster-scoped grant: an API group's resources, optionally only some object names. */
export interface ClusterResourceGrant {
  /** API group; `""` is the core group. */
  readonly apiGroup: string;
  readonly resources: readonly string[];
  /** Only these objects (e.g. one operator's CRDs). Default: every object of those resources. */
  readonly resourceNames?: readonly string[];
}

const UNNAMED_VERBS: readonly string[] = ["list", "watch"];

/**
 * Rules for the opted-in cluster-scoped kinds: the write verbs, as for a
 * namespace. With resourceNames, everything but list/watch is narrowed to
 * those names; create too, because agentk creates by server-side apply (a
 * PATCH naming the object), which the apiserver authorizes with the name
 * (a plain POST would not match). list/watch cannot be narrowed by name.
 */
export function clusterRules(grants: readonly ClusterResourceGrant[]): PolicyRule[] {
  return grants.flatMap((g) => {
    const base = { apiGroups: [g.apiGroup], resources: [...g.resources] };
    if (!g.resourceNames) return [{ ...base, verbs: [...WRITE_VERBS] }];
    return [
      { ...base, verbs: WRITE_VERBS.filter((v) => !UNNAMED_VERBS.includes(v)), resourceNames: [...g.resourceNames] },
      { ...base, verbs: [...UNNAMED_VERBS] },
    ];
  });
}
