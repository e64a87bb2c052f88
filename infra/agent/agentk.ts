/**
 * agentk in the cluster: its ServiceAccount, the Secret holding its token and
 * the Deployment. The Namespace and the agent's RBAC come from infra/rbac, so
 * this component creates no Role or ClusterRole of any kind.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DNS_LABEL } from "../../runtime/common/config-kit";
import { tokenSha256 } from "./local-registration";

export const DEFAULT_AGENTK_IMAGE = "gitops-agent:latest";
export const DEFAULT_AGENTK_REPLICAS = 1;
/** distroless' "nonroot" user. */
export const AGENTK_UID = 65532;
export const OBSERVABILITY_PORT = 8080;
export const DEFAULT_AGENTK_RESOURCES = { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "256Mi" } } as const;
const SECRET_MOUNT = "/etc/agentk/secret";

export interface AgentkArgs {
  /** The namespace agentk runs in. It must exist: infra/rbac creates it. */
  readonly namespace: string;
  /** Name of the Deployment, and of the ServiceAccount unless `serviceAccountName` is set; the Secret is `<name>-token`. Default: the component's name. */
  readonly name?: string;
  /** agentk's container image. Default {@link DEFAULT_AGENTK_IMAGE}. */
  readonly image?: pulumi.Input<string>;
  /** Replicas; more than one is safe, a Lease elects the one that applies. Default {@link DEFAULT_AGENTK_REPLICAS}. */
  readonly replicas?: pulumi.Input<number>;
  /** kas's address for agents: `grpc://`, `grpcs://`, `ws://` or `wss://` and host:port. */
  readonly kasAddress: pulumi.Input<string>;
  /** The agent token (`glagent-...`). Stored in the Secret and kept secret in Pulumi's state whether or not it arrives as a secret. */
  readonly token: pulumi.Input<string>;
  /** The ServiceAccount agentk runs as, which the RBAC from infra/rbac binds. Default: `name`. */
  readonly serviceAccountName?: string;
  /** Create the ServiceAccount here. Default true; false when infra/rbac creates it. */
  readonly createServiceAccount?: boolean;
  /** PEM CA bundle to verify kas's TLS certificate (grpcs:// or wss://). Default: the system's trust store. */
  readonly caCert?: pulumi.Input<string>;
  /** Container resources. Default {@link DEFAULT_AGENTK_RESOURCES}. */
  readonly resources?: pulumi.Input<k8s.types.input.core.v1.ResourceRequirements>;
  /** The Kubernetes provider for the children. Default: the provider inherited from `opts`. */
  readonly provider?: k8s.Provider;
  /** Resources every child waits for, such as the Namespace and the RBAC. */
  readonly dependsOn?: pulumi.Input<pulumi.Input<pulumi.Resource>[]> | pulumi.Input<pulumi.Resource>;
}

/** Pure checks of the plain (already known) args; an empty list means valid. */
export function validateAgentkArgs(name: string, args: AgentkArgs): string[] {
  const problems: string[] = [];
  const dnsName = (field: string, value: string | undefined) => {
    if (value !== undefined && !DNS_LABEL.test(value)) {
      problems.push(`Agentk ${JSON.stringify(name)}: ${field} is ${JSON.stringify(value)}; expected a DNS label (lowercase letters, digits and '-', at most 63)`);
    }
  };
  dnsName("namespace", args.namespace);
  dnsName("name", args.name ?? name);
  dnsName("serviceAccountName", args.serviceAccountName);
  if (typeof args.replicas === "number" && !(Number.isInteger(args.replicas) && args.replicas >= 1)) {
    problems.push(`Agentk ${JSON.stringify(name)}: replicas is ${args.replicas}; expected a whole number of at least 1`);
  }
  if (typeof args.kasAddress === "string" && !/^(grpcs?|wss?):\/\/[^/\s]+/.test(args.kasAddress)) {
    problems.push(`Agentk ${JSON.stringify(name)}: kasAddress is ${JSON.stringify(args.kasAddress)}; expected grpc://, grpcs://, ws:// or wss:// followed by host:port`);
  }
  return problems;
}

export class Agentk extends pulumi.ComponentResource {
  readonly namespace: string;
  readonly deploymentName: pulumi.Output<string>;
  readonly serviceAccountName: pulumi.Output<string>;
  readonly secretName: pulumi.Output<string>;
  readonly serviceAccount?: k8s.core.v1.ServiceAccount;
  readonly secret: k8s.core.v1.Secret;
  readonly deployment: k8s.apps.v1.Deployment;

  constructor(name: string, args: AgentkArgs, opts?: pulumi.ComponentResourceOptions) {
    const problems = validateAgentkArgs(name, args);
    if (problems.length > 0) throw new Error(problems.join("\n"));
    super("gitops-agent:agent:Agentk", name, {}, opts);

    const objectName = args.name ?? name;
    const saName = args.serviceAccountName ?? objectName;
    const secretName = `${objectName}-token`;
    const labels = { "app.kubernetes.io/name": objectName, "app.kubernetes.io/component": "agentk", "app.kubernetes.io/managed-by": "pulumi" };
    const childOpts: pulumi.CustomResourceOptions = { parent: this, provider: args.provider, dependsOn: args.dependsOn };
    this.namespace = args.namespace;

    if (args.createServiceAccount ?? true) {
      this.serviceAccount = new k8s.core.v1.ServiceAccount(`${name}-sa`, { metadata: { name: saName, namespace: args.namespace, labels } }, childOpts);
    }

    const token = pulumi.secret(args.token);
    const caCert = args.caCert === undefined ? undefined : pulumi.output(args.caCert);
    this.secret = new k8s.core.v1.Secret(
      `${name}-token`,
      {
        metadata: { name: secretName, namespace: args.namespace, labels },
        type: "Opaque",
        stringData: caCert ? { token, "ca.crt": caCert } : { token },
      },
      childOpts,
    );

    // agentk reads its token at start: a rotated token (or CA) must restart the pods, so the template carries a digest of both.
    // Unsecret: a secret anywhere in it would hide the whole Deployment spec from `pulumi preview --diff`, and 64 bits of the
    // SHA-256 of a 300-bit random token give nothing away (kas's registry file keeps the full hash in the clear).
    const credentialsDigest = pulumi.unsecret(pulumi.all([token, caCert ?? ""]).apply(([t, ca]) => tokenSha256(`${t}\n${ca}`).slice(0, 16)));
    const argsList = pulumi
      .output(args.kasAddress)
      .apply((kas) => [
        "agentk",
        `--kas-address=${kas}`,
        `--token-file=${SECRET_MOUNT}/token`,
        `--observability-listen-address=:${OBSERVABILITY_PORT}`,
        ...(caCert ? [`--ca-cert-file=${SECRET_MOUNT}/ca.crt`] : []),
      ]);

    this.deployment = new k8s.apps.v1.Deployment(
      name,
      {
        metadata: { name: objectName, namespace: args.namespace, labels },
        spec: {
          replicas: args.replicas ?? DEFAULT_AGENTK_REPLICAS,
          selector: { matchLabels: { "app.kubernetes.io/name": objectName, "app.kubernetes.io/component": "agentk" } },
          template: {
            metadata: { labels, annotations: { "gitops-agent/credentials-digest": credentialsDigest } },
            spec: {
              serviceAccountName: this.serviceAccount?.metadata.name ?? saName,
              securityContext: { runAsNonRoot: true, runAsUser: AGENTK_UID, runAsGroup: AGENTK_UID, seccompProfile: { type: "RuntimeDefault" } },
              containers: [
                {
                  name: "agentk",
                  image: args.image ?? DEFAULT_AGENTK_IMAGE,
                  args: argsList,
                  env: [
                    { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
                    { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
                  ],
                  ports: [{ name: "observability", containerPort: OBSERVABILITY_PORT }],
                  livenessProbe: { httpGet: { path: "/liveness", port: "observability" }, initialDelaySeconds: 15, periodSeconds: 20 },
                  readinessProbe: { httpGet: { path: "/readiness", port: "observability" }, periodSeconds: 10 },
                  securityContext: {
                    runAsNonRoot: true,
                    runAsUser: AGENTK_UID,
                    allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true,
                    capabilities: { drop: ["ALL"] },
                    seccompProfile: { type: "RuntimeDefault" },
                  },
                  resources: args.resources ?? DEFAULT_AGENTK_RESOURCES,
                  volumeMounts: [{ name: "agentk-secret", mountPath: SECRET_MOUNT, readOnly: true }],
                },
              ],
              // By reference, so the Deployment waits for the Secret (and the ServiceAccount above).
              volumes: [{ name: "agentk-secret", secret: { secretName: this.secret.metadata.name } }],
            },
          },
        },
      },
      childOpts,
    );

    this.deploymentName = this.deployment.metadata.name;
    this.serviceAccountName = pulumi.output(saName);
    this.secretName = this.secret.metadata.name;
    this.registerOutputs({
      namespace: this.namespace,
      deploymentName: this.deploymentName,
      serviceAccountName: this.serviceAccountName,
      secretName: this.secretName,
    });
  }
}
