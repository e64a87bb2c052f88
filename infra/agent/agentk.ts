/**
 * agentk in the cluster: its ServiceAccount, the Secret holding its token and
 * the Deployment. The Namespace and the agent's RBAC come from infra/rbac, so
 * this component creates no Role or ClusterRole of any kind.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as shared from "../../runtime/common/deploy";
import { plain, type Later } from "../later";

export { DEFAULT_AGENTK_IMAGE, DEFAULT_AGENTK_REPLICAS, DEFAULT_AGENTK_RESOURCES } from "../../runtime/common/deploy";
import { DNS_LABEL } from "../../runtime/common/config-kit";

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
  /**
   * Start agentk with {@link ALLOW_IMPERSONATION_FLAG}, so it sends the Impersonate-* headers kas asks
   * for (ci_access `access_as: impersonate` or `ci_job`). Set it exactly when the ServiceAccount holds
   * impersonate rights (infra/rbac's `<agent>-impersonate`); without it agentk refuses to impersonate. Default false.
   */
  readonly allowImpersonation?: boolean;
}

/** agentk's switch for impersonation: without it, agentk refuses requests kas wants impersonated. */
export const ALLOW_IMPERSONATION_FLAG = "--allow-impersonation";

/** agentk's container args: the shared ones, plus {@link ALLOW_IMPERSONATION_FLAG} when asked. */
export function agentkContainerArgs(kasAddress: string, withCaCert: boolean, allowImpersonation: boolean): string[] {
  return [...shared.agentkArgs(kasAddress, withCaCert), ...(allowImpersonation ? [ALLOW_IMPERSONATION_FLAG] : [])];
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

    const names = shared.agentkNames(args.name ?? name);
    const saName = args.serviceAccountName ?? names.serviceAccount;
    const labels = { ...shared.agentkSelector(names.deployment), "app.kubernetes.io/managed-by": "pulumi" };
    // The provider reaches the children through `parent` (opts.provider / opts.providers); opts.dependsOn
    // (the Namespace and the RBAC, say) is passed on so that every child waits for it.
    const childOpts: pulumi.CustomResourceOptions = { parent: this, dependsOn: opts?.dependsOn };
    this.namespace = args.namespace;

    if (args.createServiceAccount ?? true) {
      this.serviceAccount = new k8s.core.v1.ServiceAccount(`${name}-sa`, plain(shared.agentkServiceAccount(saName, args.namespace, labels)), childOpts);
    }

    const token = pulumi.secret(args.token);
    const caCert = args.caCert === undefined ? undefined : pulumi.output(args.caCert);
    this.secret = new k8s.core.v1.Secret(`${name}-token`, plain(shared.agentkSecret<Later>({ name: names.secret, namespace: args.namespace, labels, token, caCert })), childOpts);

    // Unsecret: a secret anywhere in it would hide the whole Deployment spec from `pulumi preview --diff` (see credentialsDigest).
    const digest = pulumi.unsecret(pulumi.all([token, caCert]).apply(([t, ca]) => shared.credentialsDigest(t, ca)));
    const deployment = shared.agentkDeployment<Later>({
      name: names.deployment,
      namespace: args.namespace,
      extraLabels: labels,
      // By reference, so the Deployment waits for the ServiceAccount and the Secret.
      serviceAccountName: this.serviceAccount?.metadata.name ?? saName,
      secretName: this.secret.metadata.name,
      image: args.image ?? shared.DEFAULT_AGENTK_IMAGE,
      replicas: args.replicas ?? shared.DEFAULT_AGENTK_REPLICAS,
      args: pulumi.output(args.kasAddress).apply((kas) => agentkContainerArgs(kas, caCert !== undefined, args.allowImpersonation ?? false)),
      credentialsDigest: digest,
      resources: args.resources ?? shared.DEFAULT_AGENTK_RESOURCES,
    });
    this.deployment = new k8s.apps.v1.Deployment(name, plain(deployment), childOpts);

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
