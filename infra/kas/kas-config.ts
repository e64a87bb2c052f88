import { stringify } from "yaml";

export interface KasProject {
  readonly id: string;
  readonly url: string;
  readonly public?: boolean;
  readonly agents?: readonly string[];
}

export const KAS_PORTS = { grpc: 8150, websocket: 8152, observability: 8153 } as const;
export const REGISTRY_MOUNT = "/etc/kas/registry";

/** kas.yaml for the in-cluster kas (pure): listeners on all interfaces, file registry mounted from a Secret. */
export function renderKasConfig(projects: readonly KasProject[], gitlab?: { url: string }): string {
  return stringify({
    listen: {
      grpc: `0.0.0.0:${KAS_PORTS.grpc}`,
      websocket: { address: `0.0.0.0:${KAS_PORTS.websocket}` },
      observability: `0.0.0.0:${KAS_PORTS.observability}`,
    },
    agents: gitlab
      ? { registry: "gitlab", gitlab: { url: gitlab.url, secret_file: `${REGISTRY_MOUNT}/gitlab-kas-secret` } }
      : { registry: "file", file: `${REGISTRY_MOUNT}/agents.yaml` },
    git: { cache_dir: "/var/cache/kas", poll_period: "20s" },
    projects: projects.map((p) => ({ id: p.id, url: p.url, public: p.public ?? false, agents: [...(p.agents ?? [])] })),
  });
}
