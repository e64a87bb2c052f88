/**
 * The whole program with kas replicas on EKS (pulumi.runtime.setMocks): an
 * ElastiCache replication group with TLS and an auth token in the cluster's
 * private subnets, reachable only from the cluster's nodes, and kas.yaml
 * pointing at it; the auth token stays secret.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { recordResources, type Created } from "../test/pulumi-mocks";
import type * as ConfigModule from "./config";
import type * as ProgramModule from "./program";

let created: Created[];
const AUTH_TOKEN = "generated-kas-redis-auth-token";
const PRIMARY = "master.kas-redis.abc123.euw1.cache.amazonaws.com";

beforeAll(async () => {
  created = await recordResources("kas-replicas", {
    state: (args) => {
      const state: Record<string, unknown> = { ...args.inputs };
      if (args.type.startsWith("pulumi-nodejs:dynamic")) Object.assign(state, { agentId: 7, token: "glagent-x", tokenSha256: "0".repeat(64), value: `generated-${args.name}` });
      if (args.type === "aws:eks/cluster:Cluster") {
        Object.assign(state, {
          name: "cluster-eks", endpoint: "https://eks.example", certificateAuthority: { data: "Q0E=" }, identities: [{ oidcs: [{ issuer: "https://oidc.example/id/X" }] }],
          vpcConfig: { ...(args.inputs.vpcConfig as object), clusterSecurityGroupId: "sg-eks-cluster" },
        });
      }
      if (args.type === "aws:elasticache/replicationGroup:ReplicationGroup") state.primaryEndpointAddress = PRIMARY;
      if (args.type.startsWith("kubernetes:")) state.metadata = { ...(args.inputs.metadata as object), name: (args.inputs.metadata as { name?: string }).name ?? args.name, namespace: "gitlab-k8s-agent" };
      return state;
    },
    call: (args) => (args.token === "aws:index/getAvailabilityZones:getAvailabilityZones" ? { names: ["eu-west-1a", "eu-west-1b"] } : undefined),
  });
  const config = jest.requireActual<typeof ConfigModule>("./config");
  const program = jest.requireActual<typeof ProgramModule>("./program");
  const raw = config.readStackFile(path.join(__dirname, "../examples/dude-naww/Pulumi.dude-naww.yaml"));
  const kas = { ...(raw.kas as object), replicas: 3, redis: { elastiCache: { nodeType: "cache.t4g.small" } } };
  const outputs = program.buildProgram(config.parseStackConfig({ ...raw, cluster: { provider: "eks", region: "eu-west-1" }, kas }));
  await new Promise((resolve) => outputs.kasAddress.apply(resolve));
  await new Promise((r) => setTimeout(r, 200));
});

const ofType = (t: string) => created.filter((c) => c.type === t);
const only = (t: string) => {
  expect(ofType(t)).toHaveLength(1);
  return ofType(t)[0]!;
};

test("ElastiCache: TLS in transit, encrypted at rest, the generated auth token, two nodes failing over across AZs, in the private subnets", () => {
  const group = only("aws:elasticache/replicationGroup:ReplicationGroup").inputs;
  expect(group).toMatchObject({ engine: "redis", nodeType: "cache.t4g.small", numCacheClusters: 2, port: 6379, transitEncryptionEnabled: true, atRestEncryptionEnabled: true, automaticFailoverEnabled: true, multiAzEnabled: true });
  // Secret in the state and in every preview: Pulumi's secret signature wraps it.
  expect(group.authToken).toEqual({ [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value: AUTH_TOKEN });
  expect(only("aws:elasticache/subnetGroup:SubnetGroup").inputs.subnetIds).toEqual(["cluster-private-0-id", "cluster-private-1-id"]);
});

test("ElastiCache's security group admits only the EKS cluster security group (the nodes), on 6379, and nothing out", () => {
  const group = only("aws:ec2/securityGroup:SecurityGroup").inputs;
  expect(group.ingress).toEqual([expect.objectContaining({ protocol: "tcp", fromPort: 6379, toPort: 6379, securityGroups: ["sg-eks-cluster"] })]);
  expect((group.ingress as { cidrBlocks?: unknown }[])[0]!.cidrBlocks).toBeUndefined();
  expect(group.egress).toEqual([]);
  for (const r of created.filter((c) => c.type.startsWith("aws:elasticache") || c.type.startsWith("aws:ec2/securityGroup"))) expect(r.provider).toContain("pulumi:providers:aws::aws::");
});

test("kas: 3 replicas spread over nodes and zones, kas.yaml at ElastiCache with TLS, the token in a Secret only", () => {
  const kas = ofType("kubernetes:apps/v1:Deployment").find((d) => d.name === "kas")!;
  expect((kas.inputs.spec as { replicas: number }).replicas).toBe(3);
  const spread = (kas.inputs.spec as { template: { spec: { topologySpreadConstraints: { topologyKey: string }[] } } }).template.spec.topologySpreadConstraints;
  expect(spread.map((c) => c.topologyKey)).toEqual(["kubernetes.io/hostname", "topology.kubernetes.io/zone"]);
  const configMap = ofType("kubernetes:core/v1:ConfigMap").find((c) => c.name === "kas-config")!;
  const doc = parse((configMap.inputs.data as Record<string, string>)["kas.yaml"]!) as { redis: unknown; private_api: unknown };
  expect(doc.redis).toEqual({ server: { address: `${PRIMARY}:6379` }, password_file: "/etc/kas/redis/password", tls: { enabled: true } });
  expect(doc.private_api).toEqual({ listen: { address: "0.0.0.0:8157", authentication_secret_file: "/etc/kas/private-api/secret" } });
  expect(JSON.stringify(configMap)).not.toContain(AUTH_TOKEN);
  const secret = ofType("kubernetes:core/v1:Secret").find((s) => s.name === "kas-redis")!;
  expect(JSON.stringify(secret.inputs.stringData)).toContain(AUTH_TOKEN);
  // No in-cluster Redis with ElastiCache.
  expect(ofType("kubernetes:apps/v1:Deployment").map((d) => d.name).sort()).toEqual(["agentk", "kas"]);
  expect(ofType("kubernetes:policy/v1:PodDisruptionBudget").map((p) => p.name)).toEqual(["kas"]);
});
