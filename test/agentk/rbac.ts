import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { renderYaml, rbacObjects } from "../../runtime/agentk/generate";
import type { TestCluster } from "../cluster";

/**
 * Gives ServiceAccount agentNamespace/sa exactly the agent's least-privilege
 * RBAC (the rules `agentk generate` and infra/rbac derive from
 * runtime/common/rbac-rules), and returns a kubeconfig holding its token.
 */
export async function grantAgent(cluster: TestCluster, agentNamespace: string, sa: string, writeNamespaces: readonly string[]): Promise<string> {
  const namespaces = [agentNamespace, ...writeNamespaces].map((name) => ({ apiVersion: "v1", kind: "Namespace", metadata: { name } }));
  const file = path.join(cluster.dir, `rbac-${agentNamespace}-${sa}.yaml`);
  writeFileSync(file, renderYaml([...namespaces, ...rbacObjects(agentNamespace, sa, writeNamespaces)]));
  await cluster.kubectl(["apply", "--server-side", "-f", file]);
  return cluster.serviceAccountKubeconfig(agentNamespace, sa);
}
