import { agentStateNames, F, type AgentStateNames, type Logger } from "../common";
import { whoAmI, type KubeClient } from "./kube";

/**
 * Which ServiceAccount the agent runs as, or undefined when it runs as some
 * other user (an admin kubeconfig on a laptop) or the apiserver cannot say.
 */
export async function ownServiceAccount(kube: KubeClient, log: Logger): Promise<string | undefined> {
  try {
    const me = await whoAmI(kube);
    if (me.serviceAccount) return me.serviceAccount.name;
    log.info("Not running as a ServiceAccount: the Lease and inventory are named after the agent id", { [F.name]: me.username });
  } catch (err) {
    log.warn("Could not ask the apiserver which ServiceAccount the agent runs as (SelfSubjectReview): the Lease and inventory are named after the agent id, which the Role from infra/rbac or agentk generate does not grant", { [F.error]: err });
  }
  return undefined;
}

/** The agent's Lease and inventory: named after its ServiceAccount (what its Role names), else after its id (`agent-<id>-lock`, GitLab's Lease name). */
export function ownStateNames(serviceAccount: string | undefined, agentId: string): AgentStateNames {
  return agentStateNames(serviceAccount ?? `agent-${agentId}`);
}
