/**
 * The program with `agent.impersonation`, under pulumi.runtime.setMocks: the
 * `<agent>-impersonate` ClusterRole and binding inside AgentRbac, and agentk
 * started with --allow-impersonation (program.test.ts: without the key, neither).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { recordResources, type Created } from "../test/pulumi-mocks";
import type * as ConfigModule from "./config";
import type * as ProgramModule from "./program";

let created: Created[];
const dir = mkdtempSync(path.join(os.tmpdir(), "program-impersonation-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  created = await recordResources("ci", {
    state: (args) => ({ ...args.inputs, ...(args.type.startsWith("pulumi-nodejs:dynamic") ? { agentId: 7, token: "glagent-x", tokenSha256: "0".repeat(64) } : {}) }),
  });
  const config = jest.requireActual<typeof ConfigModule>("./config");
  const program = jest.requireActual<typeof ProgramModule>("./program");
  const raw = config.readStackFile(path.join(__dirname, "../examples/dude-naww/Pulumi.dude-naww.yaml"));
  const agent = { ...(raw.agent as object), impersonation: { ciJob: true, groups: ["gitlab:project:42"] } };
  const kubeconfig = path.join(dir, "kubeconfig");
  writeFileSync(kubeconfig, "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n");
  program.buildProgram(config.parseStackConfig({ ...raw, agent, cluster: { provider: "existing", kubeconfig } }));
  await new Promise((r) => setTimeout(r, 200));
});

test("the impersonation ClusterRole and its binding, made by AgentRbac (component.test.ts checks their URN), named after the agent", () => {
  const cluster = created.filter((c) => /ClusterRole/.test(c.type));
  expect(cluster.map((c) => [c.type, (c.inputs.metadata as { name: string }).name])).toEqual([
    ["kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", "dude-agent-impersonate"],
    ["kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", "dude-agent-impersonate"],
  ]);
  expect(cluster.map((c) => c.name)).toEqual(["agent-rbac-impersonate", "agent-rbac-impersonate"]);
});

test("agentk runs with --allow-impersonation", () => {
  const deployment = created.find((c) => c.type === "kubernetes:apps/v1:Deployment" && (c.inputs.metadata as { name: string }).name === "dude-agent")!;
  const containers = (deployment.inputs.spec as { template: { spec: { containers: { args: string[] }[] } } }).template.spec.containers;
  expect(containers[0]?.args).toContain("--allow-impersonation");
});
