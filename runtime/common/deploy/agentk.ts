/**
 * agentk's workload, as both `agentk generate` and infra's Agentk component
 * create it: one set of pure builders returning plain objects, so the two
 * cannot drift. A field typed `string | V` is one that generate knows as a
 * value and Pulumi as an Output (the Secret's name, the token, the image): the
 * builders only place such a value, never look into it.
 */
import { NONROOT_UID, restrictedContainerSecurityContext, restrictedPodSecurityContext, selectorLabels, type Labels, type Manifest as Obj } from "./workload";
import { tokenSha256 } from "./token-hash";

/** The agent's own namespace when none is given: README, generate, Pulumi and agentk itself. */
export const DEFAULT_AGENT_NAMESPACE = "gitlab-k8s-agent";
/**
 * The image both workloads run when none is given: the release's own tag, never
 * `latest` (a moving tag would change what runs on a node restart). It must
 * equal package.json's version (runtime/common/deploy/image.test.ts checks).
 */
export const DEFAULT_AGENTK_IMAGE = "gitops-agent:0.1.0";
export const DEFAULT_AGENTK_REPLICAS = 1;
/** agentk runs as distroless' "nonroot" user. */
export const AGENTK_UID = NONROOT_UID;
export const AGENTK_OBSERVABILITY_PORT = 8080;
export const DEFAULT_AGENTK_RESOURCES = { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "256Mi" } } as const;
/** Where the Secret (token, and ca.crt when given) is mounted in the pod. */
export const AGENTK_SECRET_MOUNT = "/etc/agentk/secret";
export const CREDENTIALS_DIGEST_ANNOTATION = "gitops-agent/credentials-digest";

export interface AgentkNames {
  readonly deployment: string;
  readonly serviceAccount: string;
  /** Holds the token (and ca.crt). */
  readonly secret: string;
}

/** Everything agentk's workload is called, after the agent's name (its Lease and inventory follow the ServiceAccount). */
export function agentkNames(agentName: string): AgentkNames {
  return { deployment: agentName, serviceAccount: agentName, secret: `${agentName}-token` };
}

/** The Deployment's selector; the objects carry these labels and any extra ones (e.g. managed-by). */
export function agentkSelector(name: string): Labels {
  return selectorLabels(name, "agentk");
}

/** agentk's command line in the pod. */
export function agentkArgs(kasAddress: string, withCaCert: boolean): string[] {
  return [
    "agentk",
    `--kas-address=${kasAddress}`,
    `--token-file=${AGENTK_SECRET_MOUNT}/token`,
    `--observability-listen-address=:${AGENTK_OBSERVABILITY_PORT}`,
    ...(withCaCert ? [`--ca-cert-file=${AGENTK_SECRET_MOUNT}/ca.crt`] : []),
  ];
}

/**
 * agentk reads its token at start: a rotated token (or CA) must restart the
 * pods, so the template carries this digest of both. 64 bits of the SHA-256 of
 * a 300-bit random token give nothing away (kas's registry file keeps the full
 * hash in the clear), so it needs no secrecy.
 */
export function credentialsDigest(token: string, caCert: string | undefined): string {
  return tokenSha256(`${token}\n${caCert ?? ""}`).slice(0, 16);
}

export function agentkServiceAccount(name: string, namespace: string, labels: Labels): Obj {
  return { apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace, labels } };
}

export interface AgentkSecretOptions<V = never> {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Labels;
  readonly token: string | V;
  /** PEM CA bundle for kas's certificate, stored as `ca.crt`. */
  readonly caCert?: string | V;
}

export function agentkSecret<V = never>(o: AgentkSecretOptions<V>): Obj {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: o.name, namespace: o.namespace, labels: o.labels },
    type: "Opaque",
    stringData: o.caCert === undefined ? { token: o.token } : { token: o.token, "ca.crt": o.caCert },
  };
}

export interface AgentkDeploymentOptions<V = never> {
  readonly name: string;
  readonly namespace: string;
  /** Labels beyond {@link agentkSelector}, on the Deployment and its pods. */
  readonly extraLabels?: Labels;
  readonly serviceAccountName: string | V;
  readonly secretName: string | V;
  readonly image: string | V;
  readonly replicas: number | V;
  /** {@link agentkArgs}. */
  readonly args: readonly string[] | V;
  /** {@link credentialsDigest}. */
  readonly credentialsDigest: string | V;
  readonly resources: object | V;
}

export function agentkDeployment<V = never>(o: AgentkDeploymentOptions<V>): Obj {
  const selector = agentkSelector(o.name);
  const labels = { ...selector, ...o.extraLabels };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: o.name, namespace: o.namespace, labels },
    spec: {
      replicas: o.replicas,
      // Fresh copies: a tree with no shared object prints as YAML without anchors.
      selector: { matchLabels: { ...selector } },
      template: {
        metadata: { labels: { ...labels }, annotations: { [CREDENTIALS_DIGEST_ANNOTATION]: o.credentialsDigest } },
        spec: {
          serviceAccountName: o.serviceAccountName,
          securityContext: restrictedPodSecurityContext(),
          containers: [
            {
              name: "agentk",
              image: o.image,
              args: o.args,
              env: [
                { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
                { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
              ],
              ports: [{ name: "observability", containerPort: AGENTK_OBSERVABILITY_PORT }],
              livenessProbe: { httpGet: { path: "/liveness", port: "observability" }, initialDelaySeconds: 15, periodSeconds: 20 },
              readinessProbe: { httpGet: { path: "/readiness", port: "observability" }, periodSeconds: 10 },
              securityContext: restrictedContainerSecurityContext(),
              resources: o.resources,
              volumeMounts: [{ name: "agentk-secret", mountPath: AGENTK_SECRET_MOUNT, readOnly: true }],
            },
          ],
          volumes: [{ name: "agentk-secret", secret: { secretName: o.secretName } }],
        },
      },
    },
  };
}
