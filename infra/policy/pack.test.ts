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
import { CLUSTER_ROLE_BINDING, ROLE } from "./policies";

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

function analyze(type: string, props: Record<string, unknown>): Promise<string[]> {
  const req = new pb.AnalyzeRequest();
  req.setType(type);
  req.setName("r");
  req.setUrn(`urn:pulumi:test::gitops-agent::${type}::r`);
  req.setProperties(Struct.fromJavaScript(props as Record<string, JavaScriptValue>));
  req.setOptions(new pb.AnalyzerResourceOptions());
  return new Promise((resolve, reject) =>
    client.analyze(req, (err, res) => (err ? reject(err) : resolve(res.getDiagnosticsList().map((d) => `${d.getPolicyname()}: ${d.getMessage()}`)))),
  );
}

describe("the policy pack served as by `pulumi preview --policy-pack infra/policy`", () => {
  test("announces its name, the package.json version, the five mandatory policies and the three advisory ones", async () => {
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
      ["rbac-admin-level", pb.EnforcementLevel.ADVISORY],
      ["rbac-cluster-resources", pb.EnforcementLevel.ADVISORY],
      ["namespace-pod-security", pb.EnforcementLevel.ADVISORY],
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
});
