import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { HTTP_SECRETS_MOUNT, KAS_PORTS, REGISTRY_MOUNT, renderKasConfig, type KasProject } from "./kas-config";

export interface KasArgs {
  /** Namespace to run in (created elsewhere). */
  readonly namespace: pulumi.Input<string>;
  /** Container image holding both runtimes (see Dockerfile). */
  readonly image: string;
  /** Git projects kas serves. */
  readonly projects: readonly KasProject[];
  /** kas's agent registry file (hashed tokens only): see infra/agent registryYaml. Ignored with `gitlab`. */
  readonly registryYaml?: pulumi.Input<string>;
  /** Validate tokens with GitLab instead; `secret` is the shared kas secret (base64, 32 bytes). */
  readonly gitlab?: { readonly url: string; readonly secret: pulumi.Input<string> };
  /** Replicas. Default 1. */
  readonly replicas?: number;
  /**
   * Bearer token for kas's agents API (/api/v1/agents, status page: agents,
   * projects, sync errors). With it, the API listens on all interfaces and is
   * on the Service as port `api`; without it, only on the pod's loopback
   * (`kubectl port-forward`), and not on the Service. Stored in a Secret.
   */
  readonly apiToken?: pulumi.Input<string>;
  /** Secret of the GitLab push webhook. With it, the webhook is on the Service as port `webhook`; without it, not served. */
  readonly webhookSecret?: pulumi.Input<string>;
}

/**
 * kas in the cluster: ConfigMap (kas.yaml), Secret (registry), Secret (agents
 * API token and webhook secret, when given), Deployment, Service. The Service
 * carries the agent listeners (grpc, websocket) and, when configured, the
 * webhook and the token-protected agents API; never /metrics and the probes,
 * which the kubelet and Prometheus reach on the pod.
 */
export class Kas extends pulumi.ComponentResource {
  /** Where agentk in the same cluster reaches kas. */
  readonly address: pulumi.Output<string>;

  constructor(name: string, args: KasArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gitops-agent:kas:Kas", name, {}, opts);
    const labels = { "app.kubernetes.io/name": name, "app.kubernetes.io/component": "kas" };
    const config = new k8s.core.v1.ConfigMap(`${name}-config`, {
      metadata: { namespace: args.namespace, labels },
      data: {
        "kas.yaml": renderKasConfig(args.projects, args.gitlab, {
          apiTokenFile: args.apiToken ? `${HTTP_SECRETS_MOUNT}/api-token` : undefined,
          webhookSecretFile: args.webhookSecret ? `${HTTP_SECRETS_MOUNT}/webhook-secret` : undefined,
        }),
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
    // What the Service exposes: the agents' listeners, and the HTTP ones that authenticate their callers.
    const servicePorts = [
      { name: "grpc", containerPort: KAS_PORTS.grpc },
      { name: "websocket", containerPort: KAS_PORTS.websocket },
      ...(args.webhookSecret ? [{ name: "webhook", containerPort: KAS_PORTS.webhook }] : []),
      ...(args.apiToken ? [{ name: "api", containerPort: KAS_PORTS.api }] : []),
    ];
    const ports = [...servicePorts, { name: "observability", containerPort: KAS_PORTS.observability }];
    new k8s.apps.v1.Deployment(`${name}`, {
      metadata: { namespace: args.namespace, labels },
      spec: {
        replicas: args.replicas ?? 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: "RuntimeDefault" } },
            containers: [{
              name: "kas",
              image: args.image,
              args: ["kas", "--config", "/etc/kas/kas.yaml"],
              ports,
              livenessProbe: { httpGet: { path: "/liveness", port: "observability" } },
              readinessProbe: { httpGet: { path: "/readiness", port: "observability" } },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
              volumeMounts: [
                { name: "config", mountPath: "/etc/kas/kas.yaml", subPath: "kas.yaml" },
                { name: "registry", mountPath: REGISTRY_MOUNT, readOnly: true },
                { name: "cache", mountPath: "/var/cache/kas" },
                ...(httpSecrets ? [{ name: "http-secrets", mountPath: HTTP_SECRETS_MOUNT, readOnly: true }] : []),
              ],
            }],
            volumes: [
              { name: "config", configMap: { name: config.metadata.name } },
              { name: "registry", secret: { secretName: registry.metadata.name } },
              { name: "cache", emptyDir: {} },
              ...(httpSecrets ? [{ name: "http-secrets", secret: { secretName: httpSecrets.metadata.name } }] : []),
            ],
          },
        },
      },
    }, { parent: this });
    const service = new k8s.core.v1.Service(`${name}`, {
      metadata: { namespace: args.namespace, labels, name },
      spec: { selector: labels, ports: servicePorts.map((p) => ({ name: p.name, port: p.containerPort, targetPort: p.name })) },
    }, { parent: this });
    this.address = pulumi.interpolate`grpc://${service.metadata.name}.${service.metadata.namespace}.svc:${KAS_PORTS.grpc}`;
    this.registerOutputs({ address: this.address });
  }
}
