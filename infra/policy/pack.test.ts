/**
 * The pack as the Pulumi CLI runs it: the nodejs language host's
 * run-policy-pack (ts-node with type checking) in this folder, which prints
 * the port of the Analyzer gRPC server the CLI then calls. No CLI needed.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct, type JavaScriptValue } from "google-protobuf/google/protobuf/struct_pb";
import * as rpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as pb from "@pulumi/pulumi/proto/analyzer_pb";
import { parseStackConfig } from "../config";
import { AGENT_RBAC_TYPE, planRbac, renderManifests } from "../rbac";
import { CLUSTER_ROLE, CLUSTER_ROLE_BINDING, ROLE } from "./policies";

const ROOT = path.resolve(__dirname, "../..");
let pack: ChildProcess;
let client: rpc.AnalyzerClient;
let stderr = "";

beforeAll(async () => {
  const runPolicyPack = path.join(ROOT, "node_modules/@pulumi/pulumi/cmd/run-policy-pack");
  pack = spawn(process.execPath, [runPolicyPack, "127.0.0.1:0", "."], { cwd: __dirname, stdio: ["ignore", "pipe", "pipe"] });
  pack.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const port = await new Promise<string>((resolve, reject) => {
    let out = "";
    pack.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /^(\d+)\s/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    pack.on("exit", (code) => reject(new Error(`policy pack exited (${code}) before serving:\n${stderr}`)));
  });
  client = new rpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}, 120_000);

afterAll(() => {
  client?.close();
  if (pack?.pid && pack.exitCode === null) process.kill(pack.pid);
});

/** The pack's diagnostics for one resource; with `parent`, the resource was created inside a component of that type. */
function analyze(type: string, props: Record<string, unknown>, parent?: string): Promise<string[]> {
  const req = new pb.AnalyzeRequest();
  req.setType(type);
  req.setName("r");
  req.setUrn(`urn:pulumi:test::gitops-agent::${parent ? `${parent}$` : ""}${type}::r`);
  req.setProperties(Struct.fromJavaScript(props as Record<string, JavaScriptValue>));
  req.setOptions(new pb.AnalyzerResourceOptions());
  return new Promise((resolve, reject) =>
    client.analyze(req, (err, res) => (err ? reject(err) : resolve(res.getDiagnosticsList().map((d) => `${d.getPolicyname()}: ${d.getMessage()}`)))),
  );
}

describe("the policy pack served as by `pulumi preview --policy-pack infra/policy`", () => {
  test("announces its name, the package.json version, the six mandatory policies and the four advisory ones", async () => {
    const info = await new Promise<pb.AnalyzerInfo>((resolve, reject) =>
      client.getAnalyzerInfo(new Empty(), (err, res) => (err ? reject(err) : resolve(res))),
    );
    expect(info.getName()).toBe("gitops-agent-rbac");
    expect(info.getVersion()).toBe("0.1.0");
    expect(info.getPoliciesList().map((p) => [p.getName(), p.getEnforcementlevel()])).toEqual([
      ["rbac-no-wildcards", pb.EnforcementLevel.MANDATORY],
      ["rbac-no-admin-bindings", pb.EnforcementLevel.MANDATORY],
      ["rbac-no-cluster-wide-agent-write", pb.EnforcementLevel.MANDATORY],
      ["rbac-no-unasked-secret-read", pb.EnforcementLevel.MANDATORY],
      ["rbac-no-escalation-paths", pb.EnforcementLevel.MANDATORY],
      ["rbac-no-broad-impersonation", pb.EnforcementLevel.MANDATORY],
      ["rbac-admin-level", pb.EnforcementLevel.ADVISORY],
      ["rbac-cluster-resources", pb.EnforcementLevel.ADVISORY],
      ["rbac-impersonation", pb.EnforcementLevel.ADVISORY],
      ["namespace-pod-security", pb.EnforcementLevel.ADVISORY],
      ["redis-tls-and-auth", pb.EnforcementLevel.MANDATORY],
    ]);
  });

  test("a cluster-admin ClusterRoleBinding for the agent is refused by two policies; a least-privilege Role passes", async () => {
    const crb = await analyze(CLUSTER_ROLE_BINDING, {
      metadata: { name: "agent-admin" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
      subjects: [{ kind: "ServiceAccount", name: "dude-agent", namespace: "gitlab-k8s-agent" }],
    });
    expect(crb).toEqual([
      expect.stringMatching(/^rbac-no-admin-bindings: .*\nClusterRoleBinding agent-admin binds ClusterRole cluster-admin/),
      expect.stringMatching(/^rbac-no-cluster-wide-agent-write: .*\nClusterRoleBinding agent-admin gives the ServiceAccount gitlab-k8s-agent\/dude-agent cluster-wide rights/),
    ]);
    const role = await analyze(ROLE, {
      metadata: { name: "dude-agent-write", namespace: "dude" },
      rules: [{ apiGroups: ["apps"], resources: ["deployments"], verbs: ["get", "patch"] }],
    });
    expect(role).toEqual([]);
  });

  test("the agent's impersonation grant: inside AgentRbac only the advisory flags it; the same ClusterRole elsewhere, or with any group, is refused", async () => {
    const grant = (impersonation: Record<string, unknown>) => {
      const config = parseStackConfig({ cluster: { provider: "existing", kubeconfig: "k" }, agent: { name: "dude-agent", impersonation }, namespaces: {} });
      return renderManifests(planRbac(config)).find((m) => m.kind === "ClusterRole") as unknown as Record<string, unknown>;
    };
    const narrow = grant({ ciJob: true, groups: ["gitlab:project:42"] });
    expect(await analyze(CLUSTER_ROLE, narrow, AGENT_RBAC_TYPE)).toEqual([expect.stringMatching(/^rbac-impersonation: .*\nClusterRole dude-agent-impersonate lets the agent impersonate any user; groups gitlab:ci_job, gitlab:project:42;/)]);
    const elsewhere = await analyze(CLUSTER_ROLE, narrow);
    expect(elsewhere.map((d) => d.split(":")[0])).toEqual(["rbac-no-cluster-wide-agent-write", "rbac-no-escalation-paths", "rbac-no-escalation-paths", "rbac-no-escalation-paths", "rbac-no-escalation-paths"]);
    const broad = await analyze(CLUSTER_ROLE, grant({ ciJob: true, groups: "*", acceptClusterAdmin: true }), AGENT_RBAC_TYPE);
    expect(broad).toEqual([
      expect.stringMatching(/^rbac-no-broad-impersonation: .*\nClusterRole dude-agent-impersonate rule 1 lets its holder impersonate any group, system:masters included/),
      expect.stringMatching(/^rbac-impersonation: /),
    ]);
  });
});
