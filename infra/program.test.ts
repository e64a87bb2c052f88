/**
 * The whole program for the dude/naww stack config, under pulumi.runtime.setMocks
 * (EKS and GitLab cannot run here): namespaces dude and naww exist; a Role and
 * RoleBinding for the agent in dude and none in naww; no ClusterRoleBinding
 * granting write; the agent token stays secret.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { tokenSha256 } from "../runtime/common/deploy";
import { recordResources, type Created } from "../test/pulumi-mocks";
import type * as ConfigModule from "./config";
import type * as ProgramModule from "./program";

let created: Created[];
const TOKEN = "glagent-program-test-token-0123456789abcdefghijklmnop";
let outputs: ProgramModule.ProgramOutputs;
let stack: ConfigModule.StackConfig;

beforeAll(async () => {
  created = await recordResources("dude-naww", {
    state: (args) => {
      const state: Record<string, unknown> = { ...args.inputs };
      if (args.type.startsWith("pulumi-nodejs:dynamic")) Object.assign(state, { agentId: 7, tokenId: 9, token: TOKEN, tokenSha256: "0".repeat(64) });
      if (args.type === "aws:eks/cluster:Cluster") {
        Object.assign(state, { name: "cluster-eks", endpoint: "https://eks.example", certificateAuthority: { data: "Q0E=" }, identities: [{ oidcs: [{ issuer: "https://oidc.example/id/X" }] }] });
      }
      if (args.type === "kubernetes:core/v1:Service") Object.assign(state, { metadata: { ...(args.inputs.metadata as object), name: "kas", namespace: "gitlab-k8s-agent" } });
      return state;
    },
    call: (args) => (args.token === "aws:index/getAvailabilityZones:getAvailabilityZones" ? { names: ["eu-west-1a", "eu-west-1b", "eu-west-1c"] } : undefined),
  });
  const config = jest.requireActual<typeof ConfigModule>("./config");
  const program = jest.requireActual<typeof ProgramModule>("./program");
  const raw = config.readStackFile(path.join(__dirname, "../examples/dude-naww/Pulumi.dude-naww.yaml"));
  // The example targets an existing cluster; here the EKS path is exercised too.
  stack = config.parseStackConfig({ ...raw, cluster: { provider: "eks", region: "eu-west-1", version: "1.31" } });
  outputs = program.buildProgram(stack);
  await new Promise((r) => setTimeout(r, 100));
  await unwrap(outputs.kasAddress);
});

function unwrap<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply(resolve));
}
const ofType = (t: string) => created.filter((c) => c.type === t);
const nsOf = (c: Created) => (c.inputs.metadata as { namespace?: string; name?: string } | undefined)?.namespace;

test("namespaces dude, naww and the agent's own exist: adopted if there, kept on destroy (server-side-apply patches)", () => {
  expect(ofType("kubernetes:core/v1:Namespace")).toEqual([]);
  const patches = ofType("kubernetes:core/v1:NamespacePatch");
  expect(patches.map((c) => (c.inputs.metadata as { name: string }).name).sort()).toEqual(["dude", "gitlab-k8s-agent", "naww"]);
  for (const p of patches) expect((p.inputs.metadata as { annotations: Record<string, string> }).annotations["pulumi.com/patchForce"]).toBe("true");
});

test("a Role and RoleBinding for the agent in dude, none in naww", () => {
  const roles = ofType("kubernetes:rbac.authorization.k8s.io/v1:Role");
  const bindings = ofType("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding");
  expect(roles.filter((r) => nsOf(r) === "dude")).toHaveLength(1);
  expect(bindings.filter((b) => nsOf(b) === "dude")).toHaveLength(1);
  expect([...roles, ...bindings].filter((r) => nsOf(r) === "naww")).toHaveLength(0);
  const dudeRole = roles.find((r) => nsOf(r) === "dude")!;
  const rules = dudeRole.inputs.rules as { verbs: string[]; resources: string[] }[];
  expect(rules.flatMap((r) => r.verbs)).not.toContain("*");
  expect(rules.flatMap((r) => r.resources)).not.toContain("*");
  expect(rules.flatMap((r) => r.resources)).not.toContain("secrets");
  const subjects = bindings.find((b) => nsOf(b) === "dude")!.inputs.subjects as { kind: string; name: string; namespace: string }[];
  expect(subjects).toEqual([{ kind: "ServiceAccount", name: "dude-agent", namespace: "gitlab-k8s-agent" }]);
});

test("no ClusterRole or ClusterRoleBinding at all (no cluster-wide write, no impersonation), and agentk runs without --allow-impersonation", () => {
  expect(ofType("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding")).toHaveLength(0);
  expect(ofType("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole")).toHaveLength(0);
  expect(JSON.stringify(ofType("kubernetes:apps/v1:Deployment"))).not.toContain("--allow-impersonation");
});

test("the agent token stays secret, and kas's registry holds only its hash", async () => {
  const isSecret = await (outputs.agentToken as unknown as { isSecret: Promise<boolean> }).isSecret;
  expect(isSecret).toBe(true);
  const registry = ofType("kubernetes:core/v1:Secret").find((s) => s.name === "kas-registry")!;
  const text = JSON.stringify(registry.inputs);
  expect(text).not.toContain(TOKEN);
  expect(text).toContain(tokenSha256(TOKEN));
});

test("EKS: VPC across AZs, cluster with the chosen version, node group in private subnets, OIDC provider", () => {
  expect(ofType("aws:ec2/vpc:Vpc")).toHaveLength(1);
  expect(ofType("aws:ec2/subnet:Subnet")).toHaveLength(4);
  expect(ofType("aws:eks/cluster:Cluster")[0]!.inputs.version).toBe("1.31");
  const ng = ofType("aws:eks/nodeGroup:NodeGroup")[0]!;
  expect((ng.inputs.subnetIds as string[]).every((id) => id.includes("private"))).toBe(true);
  expect(ofType("aws:iam/openIdConnectProvider:OpenIdConnectProvider")).toHaveLength(1);
  expect(stack.namespaces.dude!.access).toBe("write");
});

test("the deployed kas serves the agent: its kas.yaml lists the configuration project and reads the file registry the registration filled", () => {
  const kasConfig = ofType("kubernetes:core/v1:ConfigMap").find((c) => JSON.stringify(c.inputs).includes("kas.yaml"))!;
  const yaml = (kasConfig.inputs.data as Record<string, string>)["kas.yaml"]!;
  expect(yaml).toContain("registry: file");
  expect(yaml).toContain("id: local/dude-agent");
  expect(yaml).toContain("id: root/dude-naww");
  expect(yaml).toContain("url: https://git.example.com/platform/dude-naww.git");
});

test("a config whose deployed kas would not serve the agent fails the program with the key to fix", () => {
  const config = jest.requireActual<typeof ConfigModule>("./config");
  const program = jest.requireActual<typeof ProgramModule>("./program");
  const noProjects = { ...stack, kas: { ...stack.kas, projects: [] } };
  expect(() => program.buildProgram(noProjects)).toThrow(config.StackConfigError);
  expect(() => program.buildProgram(noProjects)).toThrow("gitops-agent:kas.projects: found nothing");
});

test("EKS: every AWS resource and lookup uses an aws.Provider with gitops-agent:cluster.region (it set only the kubeconfig's region)", () => {
  const providers = ofType("pulumi:providers:aws");
  expect(providers.map((p) => p.inputs.region)).toEqual(["eu-west-1"]);
  const aws = created.filter((c) => c.type.startsWith("aws:"));
  expect(aws.length).toBeGreaterThan(5);
  for (const r of aws) expect(r.provider).toContain("pulumi:providers:aws::aws::");
});
