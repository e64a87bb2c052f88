import { stringify } from "yaml";
import {
  DEFAULT_POLL_PERIOD_MS,
  KAS_CACHE_DIR,
  KAS_HTTP_SECRETS_MOUNT,
  KAS_KUBERNETES_API_TLS_MOUNT,
  KAS_PORTS,
  KAS_REGISTRY_MOUNT,
  kasGitPasswordFile,
  type KasConfigFile,
} from "../../runtime/common/deploy";
import { replicaSections, type KasPrivateApiFile, type KasRedisFile, type KasReplicaAccess } from "./kas-replicas-config";

export interface KasProject {
  readonly id: string;
  readonly url: string;
  readonly public?: boolean;
  readonly agents?: readonly string[];
  /** Git over HTTP(S) with a password from a Secret in kas's namespace (the Kas component mounts it). */
  readonly credentials?: { readonly username: string; readonly secretName: string; readonly secretKey: string };
}

/**
 * Who may reach kas's HTTP listeners in the cluster. Probes and /metrics are
 * always served (all interfaces: the kubelet probes the pod IP); the push
 * webhook only with a secret; the agents API on all interfaces only with a
 * token, else on the pod's loopback (reach it with `kubectl port-forward`).
 */
export interface KasHttpAccess {
  /** Path of the agents API bearer token file in the pod; without it the API listens on 127.0.0.1 only. */
  readonly apiTokenFile?: string;
  /** Path of the push webhook secret file in the pod; without it there is no webhook listener. */
  readonly webhookSecretFile?: string;
  /**
   * The Kubernetes API proxy (CI/CD tunnel): https on all interfaces with the
   * certificate of the kubernetes.io/tls Secret mounted at
   * KAS_KUBERNETES_API_TLS_MOUNT, CI ID tokens from `oidc.issuer` for
   * `oidc.audience`. Without it, not served.
   */
  readonly kubernetesApi?: { readonly oidc: { readonly issuer: string; readonly audience: string } };
}

export { KAS_PORTS };
export { KAS_REGISTRY_MOUNT as REGISTRY_MOUNT, KAS_HTTP_SECRETS_MOUNT as HTTP_SECRETS_MOUNT, KAS_KUBERNETES_API_TLS_MOUNT as KUBERNETES_API_TLS_MOUNT, KAS_CACHE_DIR };

/**
 * kas.yaml for the in-cluster kas (pure): agent listeners on all interfaces,
 * file registry mounted from a Secret; with `replicas`, the Redis they share
 * and the private API between them.
 */
export function renderKasConfig(projects: readonly KasProject[], gitlab?: { url: string }, access: KasHttpAccess = {}, replicas?: KasReplicaAccess): string {
  const file: KasConfigFile & { redis?: KasRedisFile; private_api?: KasPrivateApiFile } = {
    listen: {
      grpc: `0.0.0.0:${KAS_PORTS.grpc}`,
      websocket: { address: `0.0.0.0:${KAS_PORTS.websocket}` },
      ...httpListeners(access),
      ...(access.kubernetesApi
        ? { kubernetes_api: { address: `0.0.0.0:${KAS_PORTS.kubernetesApi}`, cert_file: `${KAS_KUBERNETES_API_TLS_MOUNT}/tls.crt`, key_file: `${KAS_KUBERNETES_API_TLS_MOUNT}/tls.key` } }
        : {}),
    },
    agents: gitlab
      ? { registry: "gitlab", gitlab: { url: gitlab.url, secret_file: `${KAS_REGISTRY_MOUNT}/gitlab-kas-secret` } }
      : { registry: "file", file: `${KAS_REGISTRY_MOUNT}/agents.yaml` },
    git: { cache_dir: KAS_CACHE_DIR, poll_period: `${DEFAULT_POLL_PERIOD_MS / 1000}s` },
    projects: projects.map((p) => ({
      id: p.id,
      url: p.url,
      public: p.public ?? false,
      agents: [...(p.agents ?? [])],
      ...(p.credentials ? { credentials: { username: p.credentials.username, password_file: kasGitPasswordFile(p.credentials.secretName, p.credentials.secretKey) } } : {}),
    })),
    ...(access.webhookSecretFile ? { webhook: { secret_file: access.webhookSecretFile } } : {}),
    ...(access.apiTokenFile ? { api: { token_file: access.apiTokenFile } } : {}),
    ...(access.kubernetesApi ? { kubernetes_api: { oidc: { issuer: access.kubernetesApi.oidc.issuer, audience: access.kubernetesApi.oidc.audience } } } : {}),
    ...replicaSections(replicas),
  };
  return stringify(file);
}

/** The `listen` entries of kas's HTTP listeners (kas refuses an agents API off loopback without a token). */
export function httpListeners(access: KasHttpAccess): Pick<KasConfigFile["listen"], "observability" | "webhook" | "api"> {
  return {
    observability: `0.0.0.0:${KAS_PORTS.observability}`,
    ...(access.webhookSecretFile ? { webhook: `0.0.0.0:${KAS_PORTS.webhook}` } : {}),
    api: `${access.apiTokenFile ? "0.0.0.0" : "127.0.0.1"}:${KAS_PORTS.api}`,
  };
}
