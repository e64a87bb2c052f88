/**
 * Step 4: the order of writes. Namespaces first, CRDs right after (custom
 * resources need them Established), then Helm's install order (the one
 * cli-utils users expect), then kinds it does not know, custom resources
 * included. Prune runs in exactly the reverse order.
 */
import { CRD_GROUP, CRD_KIND, crdsInBatch, kindKey } from "./crd";

interface Orderable {
  readonly group: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

/** Where the applier must wait: a custom resource whose CRD is in the same batch. */
export type Ordered<T> = T & {
  /** metadata.name of the CRD to wait for (condition Established) before applying this object. */
  readonly waitForCrd?: string;
};

const CORE = "";
const RBAC = "rbac.authorization.k8s.io";

/**
 * Helm's InstallOrder (pkg/releaseutil/kind_sorter.go) with CustomResourceDefinition
 * moved up to follow Namespace. Keyed by group too, so that a custom kind named
 * like a built-in one (Knative's serving.knative.dev Service) is not mistaken
 * for it. Groups that old clusters served (extensions) are kept.
 */
const INSTALL_ORDER: readonly (readonly [kind: string, groups: readonly string[]])[] = [
  ["Namespace", [CORE]],
  [CRD_KIND, [CRD_GROUP]],
  ["NetworkPolicy", ["networking.k8s.io", "extensions"]],
  ["ResourceQuota", [CORE]],
  ["LimitRange", [CORE]],
  ["PodSecurityPolicy", ["policy", "extensions"]],
  ["PodDisruptionBudget", ["policy"]],
  ["ServiceAccount", [CORE]],
  ["Secret", [CORE]],
  ["SecretList", [CORE]],
  ["ConfigMap", [CORE]],
  ["StorageClass", ["storage.k8s.io"]],
  ["PersistentVolume", [CORE]],
  ["PersistentVolumeClaim", [CORE]],
  ["ClusterRole", [RBAC]],
  ["ClusterRoleList", [RBAC]],
  ["ClusterRoleBinding", [RBAC]],
  ["ClusterRoleBindingList", [RBAC]],
  ["Role", [RBAC]],
  ["RoleList", [RBAC]],
  ["RoleBinding", [RBAC]],
  ["RoleBindingList", [RBAC]],
  ["Service", [CORE]],
  ["DaemonSet", ["apps", "extensions"]],
  ["Pod", [CORE]],
  ["ReplicationController", [CORE]],
  ["ReplicaSet", ["apps", "extensions"]],
  ["Deployment", ["apps", "extensions"]],
  ["HorizontalPodAutoscaler", ["autoscaling"]],
  ["StatefulSet", ["apps"]],
  ["Job", ["batch"]],
  ["CronJob", ["batch"]],
  ["IngressClass", ["networking.k8s.io"]],
  ["Ingress", ["networking.k8s.io", "extensions"]],
  ["APIService", ["apiregistration.k8s.io"]],
];

const RANK: ReadonlyMap<string, number> = new Map(
  INSTALL_ORDER.flatMap(([kind, groups], rank) => groups.map((group) => [kindKey(group, kind), rank] as const)),
);
const UNKNOWN_RANK = INSTALL_ORDER.length;

/** Plain code-unit comparison: the same order on every machine, whatever its locale. */
const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Apply order: rank, then (for kinds outside the list) group and kind, then namespace and name. */
export function compareForApply(a: Orderable, b: Orderable): number {
  const rankA = RANK.get(kindKey(a.group, a.kind)) ?? UNKNOWN_RANK;
  const rankB = RANK.get(kindKey(b.group, b.kind)) ?? UNKNOWN_RANK;
  return (
    rankA - rankB ||
    compareStrings(a.group, b.group) ||
    compareStrings(a.kind, b.kind) ||
    compareStrings(a.namespace ?? "", b.namespace ?? "") ||
    compareStrings(a.name, b.name)
  );
}

/**
 * The objects in apply order, custom resources whose CRD is in `objects`
 * marked with `waitForCrd`. Inputs are not modified; marked objects are copies.
 */
export function applyOrder<T extends Orderable & { readonly body?: Readonly<Record<string, unknown>> }>(
  objects: readonly T[],
): Ordered<T>[] {
  const crds = crdsInBatch(objects);
  return [...objects].sort(compareForApply).map((obj) => {
    const crd = crds.get(kindKey(obj.group, obj.kind));
    return crd === undefined ? obj : { ...obj, waitForCrd: crd.name };
  });
}

/** Prune (delete) order: the reverse of apply order, so custom resources go before their CRD and Namespaces last. */
export function pruneOrder<T extends Orderable>(refs: readonly T[]): T[] {
  return [...refs].sort(compareForApply).reverse();
}
