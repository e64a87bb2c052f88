import { readFileSync } from "node:fs";
import * as os from "node:os";
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";

/** `cluster.provider: existing`: a Kubernetes provider from a kubeconfig file and context, so the rest runs on any cluster. */
export function existingClusterProvider(name: string, kubeconfigPath: string, context: string | undefined, opts?: pulumi.CustomResourceOptions): k8s.Provider {
  const file = kubeconfigPath.replace(/^~(?=$|\/)/, os.homedir());
  let kubeconfig: string;
  try {
    kubeconfig = readFileSync(file, "utf8");
  } catch (err) {
    throw new Error(`gitops-agent:cluster.kubeconfig: cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return new k8s.Provider(name, { kubeconfig, context }, opts);
}
