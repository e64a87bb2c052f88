import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { GeneratedSecret, REDIS_PORT } from "../kas";

export interface ElastiCacheRedisArgs {
  readonly vpcId: pulumi.Input<string>;
  /** The cluster's private subnets (one per AZ). */
  readonly subnetIds: pulumi.Input<string>[];
  /** The only clients: the EKS cluster security group, which managed nodes (and so pods on the VPC CNI) carry. */
  readonly clientSecurityGroupId: pulumi.Input<string>;
  /** e.g. cache.t4g.micro. */
  readonly nodeType: string;
  /** Primary and replicas; 2 or more fail over automatically across AZs. */
  readonly nodes: number;
}

/**
 * Redis for kas replicas on ElastiCache: a replication group (cluster mode
 * off) with TLS in transit, encryption at rest and an auth token generated
 * once, in the cluster's private subnets, behind a security group that
 * admits only the cluster's nodes, on 6379.
 */
export class ElastiCacheRedis extends pulumi.ComponentResource {
  /** host:port of the primary endpoint. */
  readonly address: pulumi.Output<string>;
  /** The auth token (secret). */
  readonly authToken: pulumi.Output<string>;
  readonly replicationGroup: aws.elasticache.ReplicationGroup;

  constructor(name: string, args: ElastiCacheRedisArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gitops-agent:eks:ElastiCacheRedis", name, {}, opts);
    const parent = { parent: this };
    if (!Number.isSafeInteger(args.nodes) || args.nodes < 1 || args.nodes > 6) throw new Error(`ElastiCacheRedis ${name}: nodes must be 1 to 6, got ${args.nodes}`);
    this.authToken = pulumi.secret(new GeneratedSecret(`${name}-auth-token`, {}, parent).value);
    const subnets = new aws.elasticache.SubnetGroup(name, { description: "kas replicas' Redis: the EKS cluster's private subnets", subnetIds: args.subnetIds }, parent);
    const group = new aws.ec2.SecurityGroup(name, {
      vpcId: args.vpcId,
      description: "kas replicas' Redis: from the EKS cluster's nodes only",
      ingress: [{ protocol: "tcp", fromPort: REDIS_PORT, toPort: REDIS_PORT, securityGroups: [args.clientSecurityGroupId], description: "Redis from the EKS nodes" }],
      egress: [],
    }, parent);
    const failover = args.nodes > 1;
    this.replicationGroup = new aws.elasticache.ReplicationGroup(name, {
      description: "kas replicas' shared state (gitops-agent)",
      engine: "redis",
      engineVersion: "7.1",
      nodeType: args.nodeType,
      numCacheClusters: args.nodes,
      port: REDIS_PORT,
      automaticFailoverEnabled: failover,
      multiAzEnabled: failover,
      transitEncryptionEnabled: true,
      atRestEncryptionEnabled: true,
      authToken: this.authToken,
      subnetGroupName: subnets.name,
      securityGroupIds: [group.id],
      applyImmediately: true,
    }, parent);
    this.address = pulumi.interpolate`${this.replicationGroup.primaryEndpointAddress}:${REDIS_PORT}`;
    this.registerOutputs({ address: this.address });
  }
}
