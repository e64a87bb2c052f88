import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import type { TestCluster } from "../cluster";

/** Verbs server-side apply, prune and status need (the infra planner's `write`). */
export const WRITE_VERBS = ["get", "list", "watch", "create", "update", "patch", "delete"];

/**
 * The RBAC the infra gives the agent (until infra/rbac exists, the same rules
 * by hand): write in `writeNamespaces`, inventory ConfigMaps and the leader
 * Lease in its own namespace, nothing cluster-wide.
 */
export async function grantAgent(cluster: TestCluster, agentNamespace: string, sa: string, writeNamespaces: readonly string[]): Promise<string> {
  const subject = [{ kind: "ServiceAccount", name: sa, namespace: agentNamespace }];
  const docs: unknown[] = [];
  for (const ns of [agentNamespace, ...writeNamespaces]) docs.push({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
  for (const ns of writeNamespaces) {
    docs.push(
      { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "gitops-agent-write", namespace: ns }, rules: [{ apiGroups: ["", "apps", "batch", "networking.k8s.io", "policy", "autoscaling", "example.com"], resources: ["*"], verbs: WRITE_VERBS }] },
      { apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: "gitops-agent-write", namespace: ns }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "gitops-agent-write" }, subjects: subject },
    );
  }
  docs.push(
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name: "gitops-agent-self", namespace: agentNamespace },
      rules: [
        { apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch", "create", "update", "patch"] },
        { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get", "create", "update"] },
      ],
    },
    { apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: "gitops-agent-self", namespace: agentNamespace }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "gitops-agent-self" }, subjects: subject },
  );
  const file = path.join(cluster.dir, `rbac-${agentNamespace}-${sa}.yaml`);
  writeFileSync(file, docs.map((d) => stringify(d)).join("---\n"));
  await cluster.kubectl(["apply", "--server-side", "-f", file]);
  return cluster.serviceAccountKubeconfig(agentNamespace, sa);
}
