/** Fake pods for the kubelet-side tests (logs, exec, port-forward) and the agent's rights on them. */
import type { TestCluster } from "../cluster";
import { AGENT_NS } from "../agentk/scenario";

/**
 * Pod `web` in `dude` and each of `readOnly`, Ready; a Role `ci-debug` bound to
 * the agent's ServiceAccount: in dude get/list/watch/create on pods and
 * `subresources` (pods/log, pods/exec, ...), in `readOnly` get/list on pods
 * only, so the apiserver itself refuses the rest there.
 */
export async function debugPods(cluster: TestCluster, subresources: readonly string[], readOnly: readonly string[] = []): Promise<void> {
  const admin = (args: string[]) => cluster.kubectl(args);
  for (const ns of ["dude", ...readOnly]) {
    await admin(["run", "web", "-n", ns, "--image=nginx:1.14.2"]);
    await admin(["wait", "-n", ns, "--for=condition=Ready", "pod/web", "--timeout=60s"]);
    const rights = ns === "dude" ? ["--verb=get,list,watch,create", `--resource=${["pods", ...subresources].join(",")}`] : ["--verb=get,list", "--resource=pods"];
    await admin(["create", "role", "ci-debug", "-n", ns, ...rights]);
    await admin(["create", "rolebinding", "ci-debug", "-n", ns, "--role=ci-debug", `--serviceaccount=${AGENT_NS}:agentk`]);
  }
}
