/**
 * What every workload we ship has in common: its selector labels, and the
 * security contexts it runs with: non-root (distroless'
 * "nonroot" user), no privilege escalation, no capabilities, a read-only root
 * and the RuntimeDefault seccomp profile, which Pod Security `restricted` asks
 * of both the pod and each container.
 */

/** A manifest as the builders return it: a plain object. */
export type Manifest = Record<string, unknown>;
export type Labels = Readonly<Record<string, string>>;

/** A workload's selector: which program (`component`) and which instance (`name`). */
export function selectorLabels(name: string, component: "agentk" | "kas"): Labels {
  return { "app.kubernetes.io/name": name, "app.kubernetes.io/component": component };
}

/** distroless' "nonroot" user and group. */
export const NONROOT_UID = 65532;

export function restrictedPodSecurityContext(): Manifest {
  return { runAsNonRoot: true, runAsUser: NONROOT_UID, runAsGroup: NONROOT_UID, seccompProfile: { type: "RuntimeDefault" } };
}

export function restrictedContainerSecurityContext(): Manifest {
  return {
    runAsNonRoot: true,
    runAsUser: NONROOT_UID,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}
