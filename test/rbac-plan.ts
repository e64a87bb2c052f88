import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { manifestsToYaml, renderManifests, type RbacPlan } from "../infra/rbac";
import type { TestCluster } from "./cluster";

/** Applies an RBAC plan as rendered for plain YAML, as admin, and returns a kubeconfig of the plan's ServiceAccount. */
export async function applyRbacPlan(cluster: TestCluster, plan: RbacPlan, file: string): Promise<string> {
  const manifests = path.join(cluster.dir, file);
  writeFileSync(manifests, manifestsToYaml(renderManifests(plan)));
  await cluster.kubectl(["apply", "-f", manifests]);
  return cluster.serviceAccountKubeconfig(plan.serviceAccount.namespace, plan.serviceAccount.name);
}
