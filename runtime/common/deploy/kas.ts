/**
 * kas's workload in the cluster (infra's Kas component): pure builders of its
 * Deployment and Service. Fields typed `string | V` are ones Pulumi knows only
 * as Outputs (generated names); the builders only place them.
 */
import { KAS_PORTS } from "./kas-config-file";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext, selectorLabels, type Labels, type Manifest as Obj } from "./workload";

export const KAS_CONFIG_FILE = "/etc/kas/kas.yaml";
/** The registry Secret (agents.yaml, or GitLab's kas secret). */
export const KAS_REGISTRY_MOUNT = "/etc/kas/registry";
/** The Secret with the agents API token and the webhook secret. */
export const KAS_HTTP_SECRETS_MOUNT = "/etc/kas/http";
/** The kubernetes.io/tls Secret of the Kubernetes API listener (tls.crt, tls.key). */
export const KAS_KUBERNETES_API_TLS_MOUNT = "/etc/kas/kubernetes-api-tls";
/** Where the Secrets holding Git passwords are mounted, one folder per Secret. */
export const KAS_GIT_CREDENTIALS_MOUNT = "/etc/kas/git";
/** The path of a Git password file in the pod: key `key` of Secret `secretName`. */
export function kasGitPasswordFile(secretName: string, key: string): string {
  return `${KAS_GIT_CREDENTIALS_MOUNT}/${secretName}/${key}`;
}
/** kas's git cache: an emptyDir in the pod. */
export const KAS_CACHE_DIR = "/var/cache/kas";

export interface KasPort {
  readonly name: string;
  readonly containerPort: number;
}

export function kasSelector(name: string): Labels {
  return selectorLabels(name, "kas");
}

/**
 * What the Service exposes: the agents' listeners, and the HTTP ones that
 * authenticate their callers (webhook with its secret, agents API with its
 * token), and the Kubernetes API proxy when configured. The pod adds the observability port, which the kubelet and
 * Prometheus reach on the pod, never through the Service.
 */
export function kasPorts(o: { readonly webhook: boolean; readonly api: boolean; readonly kubernetesApi?: boolean }): { service: KasPort[]; container: KasPort[] } {
  const service = [
    { name: "grpc", containerPort: KAS_PORTS.grpc },
    { name: "websocket", containerPort: KAS_PORTS.websocket },
    ...(o.webhook ? [{ name: "webhook", containerPort: KAS_PORTS.webhook }] : []),
    ...(o.api ? [{ name: "api", containerPort: KAS_PORTS.api }] : []),
    // https with CI ID tokens (kas checks them): safe to expose like the agent listeners.
    ...(o.kubernetesApi ? [{ name: "k8s-api", containerPort: KAS_PORTS.kubernetesApi }] : []),
  ];
  return { service, container: [...service, { name: "observability", containerPort: KAS_PORTS.observability }] };
}

export interface KasDeploymentOptions<V = never> {
  /** The component's name: the selector's `app.kubernetes.io/name`. */
  readonly name: string;
  /** The Deployment's own name; absent, the tool names it (Pulumi's auto-naming). */
  readonly objectName?: string;
  readonly namespace: string | V;
  readonly image: string;
  readonly replicas: number;
  readonly ports: readonly KasPort[];
  /** The ConfigMap with kas.yaml. */
  readonly configMapName: string | V;
  readonly registrySecretName: string | V;
  /** The Secret with the agents API token and webhook secret, when either is set. */
  readonly httpSecretName?: string | V;
  /** The kubernetes.io/tls Secret of the Kubernetes API listener, mounted at KAS_KUBERNETES_API_TLS_MOUNT. */
  readonly kubernetesApiTlsSecretName?: string | V;
  /** Secrets holding Git passwords (see kasGitPasswordFile), each mounted read-only. */
  readonly gitCredentialSecrets?: readonly string[];
}

export function kasDeployment<V = never>(o: KasDeploymentOptions<V>): Obj {
  const labels = kasSelector(o.name);
  const http = o.httpSecretName !== undefined;
  const k8sApi = o.kubernetesApiTlsSecretName !== undefined;
  const git = [...new Set(o.gitCredentialSecrets ?? [])];
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { ...(o.objectName === undefined ? {} : { name: o.objectName }), namespace: o.namespace, labels },
    spec: {
      replicas: o.replicas,
      // Fresh copies: a tree with no shared object prints as YAML without anchors.
      selector: { matchLabels: { ...labels } },
      template: {
        metadata: { labels: { ...labels } },
        spec: {
          securityContext: restrictedPodSecurityContext(),
          containers: [
            {
              name: "kas",
              image: o.image,
              args: ["kas", "--config", KAS_CONFIG_FILE],
              ports: o.ports,
              livenessProbe: { httpGet: { path: "/liveness", port: "observability" } },
              readinessProbe: { httpGet: { path: "/readiness", port: "observability" } },
              securityContext: restrictedContainerSecurityContext(),
              volumeMounts: [
                { name: "config", mountPath: KAS_CONFIG_FILE, subPath: "kas.yaml" },
                { name: "registry", mountPath: KAS_REGISTRY_MOUNT, readOnly: true },
                { name: "cache", mountPath: KAS_CACHE_DIR },
                ...(http ? [{ name: "http-secrets", mountPath: KAS_HTTP_SECRETS_MOUNT, readOnly: true }] : []),
                ...(k8sApi ? [{ name: "kubernetes-api-tls", mountPath: KAS_KUBERNETES_API_TLS_MOUNT, readOnly: true }] : []),
                ...git.map((secret, i) => ({ name: `git-${i}`, mountPath: `${KAS_GIT_CREDENTIALS_MOUNT}/${secret}`, readOnly: true })),
              ],
            },
          ],
          volumes: [
            { name: "config", configMap: { name: o.configMapName } },
            { name: "registry", secret: { secretName: o.registrySecretName } },
            { name: "cache", emptyDir: {} },
            ...(http ? [{ name: "http-secrets", secret: { secretName: o.httpSecretName } }] : []),
            ...(k8sApi ? [{ name: "kubernetes-api-tls", secret: { secretName: o.kubernetesApiTlsSecretName } }] : []),
            ...git.map((secret, i) => ({ name: `git-${i}`, secret: { secretName: secret } })),
          ],
        },
      },
    },
  };
}

export function kasService<V = never>(name: string, namespace: string | V, ports: readonly KasPort[]): Obj {
  const labels = kasSelector(name);
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { namespace, labels, name },
    spec: { selector: { ...labels }, ports: ports.map((p) => ({ name: p.name, port: p.containerPort, targetPort: p.name })) },
  };
}
