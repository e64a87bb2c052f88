import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createRoles } from "./iam";
import { eksKubeconfig } from "./kubeconfig";
import { createNetwork } from "./network";

/** The root CA thumbprint of EKS OIDC issuers (all regions); see AWS docs "Create an IAM OIDC provider for your cluster". */
export const EKS_OIDC_THUMBPRINT = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280";

export interface EksClusterArgs {
  /** AWS region, e.g. eu-west-1. */
  readonly region: string;
  /** Kubernetes minor version, e.g. "1.31". */
  readonly version: string;
  /** Nodes in the managed node group (min = desired = this, max = this + 1). */
  readonly nodeCount: number;
  /** EC2 instance type of the nodes, e.g. t3.medium. */
  readonly instanceType: string;
}

/**
 * An EKS cluster: VPC with public and private subnets across two AZs, the
 * control plane, a managed node group in the private subnets, IAM roles, the
 * OIDC provider (for IRSA), and a Kubernetes provider built from the cluster.
 */
export class EksCluster extends pulumi.ComponentResource {
  readonly cluster: aws.eks.Cluster;
  readonly nodeGroup: aws.eks.NodeGroup;
  readonly oidcProvider: aws.iam.OpenIdConnectProvider;
  /** Secret: nothing in it is a credential (it runs `aws eks get-token`), but endpoints stay out of logs. */
  readonly kubeconfig: pulumi.Output<string>;
  readonly provider: k8s.Provider;
  /** The VPC and its subnets (private ones hold the nodes). */
  readonly network: ReturnType<typeof createNetwork>;

  constructor(name: string, args: EksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gitops-agent:eks:EksCluster", name, {}, opts);
    const net = createNetwork(name, {}, this);
    this.network = net;
    const roles = createRoles(name, this);
    this.cluster = new aws.eks.Cluster(`${name}-eks`, {
      roleArn: roles.clusterRole.arn,
      version: args.version,
      vpcConfig: {
        subnetIds: [...net.privateSubnets, ...net.publicSubnets].map((s) => s.id),
        endpointPrivateAccess: true,
        endpointPublicAccess: true,
      },
    }, { parent: this });
    this.oidcProvider = new aws.iam.OpenIdConnectProvider(`${name}-oidc`, {
      url: this.cluster.identities.apply((ids) => ids[0]?.oidcs?.[0]?.issuer ?? ""),
      clientIdLists: ["sts.amazonaws.com"],
      thumbprintLists: [EKS_OIDC_THUMBPRINT],
    }, { parent: this });
    this.nodeGroup = new aws.eks.NodeGroup(`${name}-nodes`, {
      clusterName: this.cluster.name,
      nodeRoleArn: roles.nodeRole.arn,
      subnetIds: net.privateSubnets.map((s) => s.id),
      instanceTypes: [args.instanceType],
      scalingConfig: { desiredSize: args.nodeCount, minSize: args.nodeCount, maxSize: args.nodeCount + 1 },
    }, { parent: this });
    this.kubeconfig = pulumi.secret(
      pulumi.all([this.cluster.name, this.cluster.endpoint, this.cluster.certificateAuthority]).apply(([n, endpoint, ca]) =>
        JSON.stringify(eksKubeconfig(n, endpoint, ca.data ?? "", args.region)),
      ),
    );
    this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: this.kubeconfig }, { parent: this, dependsOn: [this.nodeGroup] });
    this.registerOutputs({ kubeconfig: this.kubeconfig, clusterName: this.cluster.name });
  }
}
