import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { kasDeployment, kasPorts, kasSelector, kasService } from "../../runtime/common/deploy";
import { plain, type Later } from "../later";
import { HTTP_SECRETS_MOUNT, KAS_PORTS, renderKasConfig, type KasProject } from "./kas-config";
import { kasReplicaResources, type KasRedisArg } from "./kas-replica-resources";
import { kasDisruptionBudget, kasPrivateApiPolicy, withReplicaPods } from "./kas-replicas";

/** Git credentials whose password the Kas component stores in a Secret of its own (e.g. a GitLab deploy token). */
export interface KasCreatedCredentials {
  readonly username: pulumi.Input<string>;
  readonly password: pulumi.Input<string>;
}

/** A project kas serves: its credentials from an existing Secret (KasProject), or created from values. */
export interface KasProjectArg extends Omit<KasProject, "credentials"> {
  readonly credentials?: KasProject["credentials"] | KasCreatedCredentials;
}

/** The Secret the Kas component creates for KasCreatedCredentials: a fixed name, since the Deployment mounts it by name. */
export const kasGitSecretName = (name: string): string => `${name}-git-credentials`;

export interface KasArgs {
  /** Namespace to run in (created elsewhere). */
  readonly namespace: pulumi.Input<string>;
  /** Container image holding both runtimes (see Dockerfile). */
  readonly image: string;
  /** Git projects kas serves. */
  readonly projects: readonly KasProjectArg[];
  /** kas's agent registry file (hashed tokens only): see infra/agent registryYaml. Ignored with `gitlab`. */
  readonly registryYaml?: pulumi.Input<string>;
  /** Validate tokens with GitLab instead; `secret` is the shared kas secret (base64, 32 bytes). */
  readonly gitlab?: { readonly url: string; readonly secret: pulumi.Input<string> };
  /** Replicas. Default 1; more need `redis`, and get a PodDisruptionBudget (one down at a time) and spreading over nodes. */
  readonly replicas?: number;
  /**
   * The Redis the replicas share, which makes kas.yaml's `redis` and
   * `private_api` (port 8157, pod IPs only, a generated shared secret in a
   * Secret): `{ inCluster: {} }` runs one in kas's namespace; or a server's
   * `address` with its password (stored in a Secret) or `passwordSecret`.
   */
  readonly redis?: KasRedisArg;
  /** Spread replicas over zones (topology.kubernetes.io/zone) too, as on EKS. Default false: nodes only. */
  readonly spreadAcrossZones?: boolean;
  /**
   * Bearer token for kas's console and agents API (/, /api/v1/agents: agents,
   * projects, sync errors). With it, the API listens on all interfaces and is
   * on the Service as port `api`; without it, only on the pod's loopback
   * (`kubectl port-forward`), and not on the Service. Stored in a Secret.
   */
  readonly apiToken?: pulumi.Input<string>;
  /** Secret of the GitLab push webhook. With it, the webhook is on the Service as port `webhook`; without it, not served. */
  readonly webhookSecret?: pulumi.Input<string>;
  /**
   * The Kubernetes API proxy (CI/CD tunnel): kas serves https on port 8156,
   * on the Service as port `k8s-api`, with the certificate of `tlsSecretName`
   * (an existing kubernetes.io/tls Secret in kas's namespace, e.g. from
   * cert-manager), and accepts CI ID tokens from `oidc.issuer` minted for
   * `oidc.audience`. Without it, not served.
   */
  readonly kubernetesApi?: KasKubernetesApi;
}

export interface KasKubernetesApi {
  readonly tlsSecretName: string;
  readonly oidc: { readonly issuer: string; readonly audience: string };
}

/**
 * kas in the cluster: ConfigMap (kas.yaml), Secret (registry), Secret (agents
 * API token and webhook secret, when given), Deployment, Service. The Service
 * carries the agent listeners (grpc, websocket) and, when configured, the
 * webhook, the token-protected agents API and the Kubernetes API proxy
 * (CI ID tokens, https); never /metrics and the probes,
 * which the kubelet and Prometheus reach on the pod. With `redis`: the
 * private API's Secret, the Redis password's Secret (and the in-cluster
 * Redis when asked), kas.yaml's `redis` and `private_api`, a NetworkPolicy
 * letting only kas's pods reach the private API; with more than one
 * replica, a PodDisruptionBudget and spreading (./kas-replicas).
 */
export class Kas extends pulumi.ComponentResource {
  /** Where agentk in the same cluster reaches kas. */
  readonly address: pulumi.Output<string>;

  constructor(name: string, args: KasArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gitops-agent:kas:Kas", name, {}, opts);
    const replicas = args.replicas ?? 1;
    if (!Number.isSafeInteger(replicas) || replicas < 1) throw new Error(`Kas ${name}: replicas must be a whole number of at least 1, got ${replicas}`);
    if (replicas > 1 && !args.redis) throw new Error(`Kas ${name}: replicas ${replicas} need redis (the replicas share which of them holds each agent)`);
    const labels = kasSelector(name);
    const shared = args.redis ? kasReplicaResources(name, args.namespace, args.redis, this) : undefined;
    const git = gitCredentials(name, args.projects);
    const gitSecret = git.passwords.length > 0
      ? new k8s.core.v1.Secret(`${name}-git`, {
        metadata: { name: kasGitSecretName(name), namespace: args.namespace, labels },
        stringData: Object.fromEntries(git.passwords),
      }, { parent: this, deleteBeforeReplace: true })
      : undefined;
    const config = new k8s.core.v1.ConfigMap(`${name}-config`, {
      metadata: { namespace: args.namespace, labels },
      data: {
        "kas.yaml": pulumi.all([git.projects, shared?.access]).apply(([projects, replicaAccess]) => renderKasConfig(projects, args.gitlab, {
          apiTokenFile: args.apiToken ? `${HTTP_SECRETS_MOUNT}/api-token` : undefined,
          webhookSecretFile: args.webhookSecret ? `${HTTP_SECRETS_MOUNT}/webhook-secret` : undefined,
          ...(args.kubernetesApi ? { kubernetesApi: { oidc: args.kubernetesApi.oidc } } : {}),
        }, replicaAccess)),
      },
    }, { parent: this });
    const registry = new k8s.core.v1.Secret(`${name}-registry`, {
      metadata: { namespace: args.namespace, labels },
      stringData: args.gitlab ? { "gitlab-kas-secret": args.gitlab.secret } : { "agents.yaml": args.registryYaml ?? "agents: []\n" },
    }, { parent: this });
    const httpSecrets = args.apiToken || args.webhookSecret
      ? new k8s.core.v1.Secret(`${name}-http`, {
        metadata: { namespace: args.namespace, labels },
        stringData: {
          ...(args.apiToken ? { "api-token": args.apiToken } : {}),
          ...(args.webhookSecret ? { "webhook-secret": args.webhookSecret } : {}),
        },
      }, { parent: this })
      : undefined;
    const ports = kasPorts({ webhook: Boolean(args.webhookSecret), api: Boolean(args.apiToken), kubernetesApi: args.kubernetesApi !== undefined });
    const deployment = kasDeployment<Later>({
      name,
      namespace: args.namespace,
      image: args.image,
      replicas,
      ports: ports.container,
      configMapName: config.metadata.name,
      registrySecretName: registry.metadata.name,
      httpSecretName: httpSecrets?.metadata.name,
      kubernetesApiTlsSecretName: args.kubernetesApi?.tlsSecretName,
      gitCredentialSecrets: git.secretNames,
    });
    const pods = shared ? withReplicaPods(deployment, name, { ...shared.pod, replicas, spreadAcrossZones: args.spreadAcrossZones ?? false }) : deployment;
    new k8s.apps.v1.Deployment(`${name}`, plain(pods), { parent: this, dependsOn: gitSecret ? [gitSecret] : [] });
    if (shared) new k8s.networking.v1.NetworkPolicy(`${name}-private-api`, plain(kasPrivateApiPolicy<Later>(name, args.namespace, ports.container.map((p) => p.containerPort))), { parent: this });
    const budget = kasDisruptionBudget<Later>(name, args.namespace, replicas);
    if (budget) new k8s.policy.v1.PodDisruptionBudget(name, plain(budget), { parent: this });
    const service = new k8s.core.v1.Service(`${name}`, plain(kasService<Later>(name, args.namespace, ports.service)), { parent: this });
    this.address = pulumi.interpolate`grpc://${service.metadata.name}.${service.metadata.namespace}.svc:${KAS_PORTS.grpc}`;
    this.registerOutputs({ address: this.address });
  }
}

/**
 * kas.yaml's projects once the created credentials' user names are known, the
 * passwords for the component's own Secret (key `password-<index>`), and every
 * Secret the Deployment mounts.
 */
function gitCredentials(name: string, projects: readonly KasProjectArg[]): {
  projects: pulumi.Output<KasProject[]>;
  passwords: [string, pulumi.Input<string>][];
  secretNames: string[];
} {
  const passwords: [string, pulumi.Input<string>][] = [];
  const resolved = projects.map((p, i) => {
    const c = p.credentials;
    if (!c || !("password" in c)) return pulumi.output(p as KasProject);
    const secretKey = `password-${i}`;
    passwords.push([secretKey, c.password]);
    return pulumi.output(c.username).apply((username): KasProject => ({ ...p, credentials: { username, secretName: kasGitSecretName(name), secretKey } }));
  });
  const existing = projects.flatMap((p) => (p.credentials && "secretName" in p.credentials ? [p.credentials.secretName] : []));
  return { projects: pulumi.all(resolved), passwords, secretNames: [...existing, ...(passwords.length > 0 ? [kasGitSecretName(name)] : [])] };
}
