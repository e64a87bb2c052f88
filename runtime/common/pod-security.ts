/**
 * Pod Security Admission labels for the Namespaces the agent's installers
 * create (infra/rbac and `agentk generate`). Without them a commit the agent
 * applies may run a privileged Pod with the node's root filesystem mounted;
 * `restricted` refuses that at admission, whatever the agent's RBAC allows.
 */
export type PodSecurityLevel = "restricted" | "baseline" | "privileged";

export const POD_SECURITY_LEVELS: readonly PodSecurityLevel[] = ["restricted", "baseline", "privileged"];
export const DEFAULT_POD_SECURITY: PodSecurityLevel = "restricted";

const PREFIX = "pod-security.kubernetes.io";

/**
 * enforce, warn and audit at the same level, each against the `latest`
 * policy version, so a level means today's rules after a cluster upgrade too.
 */
export function podSecurityLabels(level: PodSecurityLevel): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const mode of ["enforce", "warn", "audit"]) {
    labels[`${PREFIX}/${mode}`] = level;
    labels[`${PREFIX}/${mode}-version`] = "latest";
  }
  return labels;
}
