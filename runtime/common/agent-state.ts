/**
 * The agent's own state in its namespace: one leader-election Lease and one
 * inventory ConfigMap, both named after the agent's ServiceAccount.
 *
 * Why the ServiceAccount and not the agent id or the manifest projects: agents
 * may share a namespace, and RBAC tells them apart only by their subject. A
 * Role can confine get/update/patch to `resourceNames` only if the names are
 * known when the Role is written, by infra/rbac and `agentk generate`; both
 * know the ServiceAccount, neither knows the agent id (GitLab assigns it) nor
 * the manifest projects (they live in Git and change with commits). So every
 * manifest project of the agent keeps its inventory as one key of the one
 * ConfigMap, and the Lease and that ConfigMap are created up front, since
 * `create` cannot be restricted by name (the Role grants no create at all).
 */
export interface AgentStateNames {
  /** The leader-election Lease, `<serviceAccount>-lock` (GitLab's `-lock`). */
  readonly lease: string;
  /** The inventory ConfigMap, `<serviceAccount>-inventory`: one data key per manifest project. */
  readonly inventory: string;
}

export function agentStateNames(serviceAccount: string): AgentStateNames {
  return { lease: `${serviceAccount}-lock`, inventory: `${serviceAccount}-inventory` };
}

type Labels = Readonly<Record<string, string>>;

/** A type, not an interface, so it passes where a plain object record is wanted. */
export type AgentStateManifest = {
  readonly apiVersion: "v1" | "coordination.k8s.io/v1";
  readonly kind: "ConfigMap" | "Lease";
  readonly metadata: { readonly name: string; readonly namespace: string; readonly labels: Labels };
};

/**
 * The Lease and the inventory ConfigMap, empty: what the agent may then only
 * get, update and patch. No spec and no data, so whoever creates them (Pulumi,
 * kubectl) owns no field the agent writes.
 */
export function agentStateObjects(namespace: string, serviceAccount: string, labels: Labels = {}): AgentStateManifest[] {
  const names = agentStateNames(serviceAccount);
  return [
    { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: names.lease, namespace, labels: { ...labels } } },
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: names.inventory, namespace, labels: { ...labels } } },
  ];
}
