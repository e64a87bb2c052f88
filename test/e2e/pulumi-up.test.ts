/**
 * The path a user takes, as deployed: infra/'s own program through the real
 * Pulumi engine (test/pulumi-engine) on the test cluster, with the dude/naww
 * stack config of examples/dude-naww, then kas and agentk run exactly as the
 * created objects say (test/deployed, the image's layout and Node.js from
 * test/image). Nothing is wired by hand: if the objects are wrong, this fails.
 *
 * The stack file is written as a user's is (Pulumi.dude-naww.yaml beside the
 * repository's Pulumi.yaml, maps as YAML), and edited between runs.
 *
 * preview (policy pack on) -> up -> run the deployed kas and agentk -> nginx in
 * dude, nothing in naww, the agent log says why -> a second preview changes
 * nothing -> naww: read and a scratch namespace (onDestroy: delete) previewed and
 * applied -> destroy -> the agent, its RBAC, kas and its registry are gone, dude,
 * naww and their workloads are kept, scratch is deleted.
 * Each step's time is printed.
 */
import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import { EXAMPLE_STACK, POLICY_PACK, PROJECT_FILE, stackProgramOutputs } from "../../examples/dude-naww/stack";
import { KAS_PORTS } from "../../runtime/common/deploy";
import { kubeconfigMain } from "../../runtime/kas/ci-kubeconfig";
import { ensureClusterBinary, type TestCluster } from "../cluster";
import type { DeployedProcess } from "../deployed";
import { stepTimer, withPulumiStack, type PulumiStackRun } from "../pulumi-engine";
import { startIssuer, type TestIssuer } from "../kubeapi/issuer";
import { makeTestPki, type TestPki } from "../tls";
import { until } from "../until";
import { AGENT_NS, objectNames, runKasAndAgentk } from "./as-deployed";
import { startLocalStack, type LocalStack } from "./local-stack";


let local: LocalStack;
let cluster: TestCluster;
let dir: string;
let issuer: TestIssuer;
let pki: TestPki;
let running: DeployedProcess[];
const AUDIENCE = "https://kas.dude-naww.test";
const TLS_SECRET = "kas-k8s-api-tls";
const { step, times } = stepTimer();


beforeAll(async () => {
  [local, issuer] = await Promise.all([startLocalStack(), startIssuer(AUDIENCE)]);
  ({ cluster, dir, running } = local);
  pki = makeTestPki(dir);
}, 600_000);

afterAll(async () => {
  if (times.length > 0) console.log(`pulumi up, as deployed: step times\n  ${times.join("\n  ")}`);
  await issuer?.close();
  await local?.close();
});

/** The example's stack config with the CI/CD tunnel on: kas.kubernetesApi. */
const stackConfig = (changes: Record<string, unknown> = {}): Record<string, unknown> => {
  const values = local.stackConfig(changes);
  const kubernetesApi = { tlsSecretName: TLS_SECRET, oidc: { issuer: issuer.url, audience: AUDIENCE } };
  return { ...values, "gitops-agent:kas": { ...(values["gitops-agent:kas"] as object), kubernetesApi } };
};

/** A CI job of the agent's configuration project (implicitly allowed, as the agent): the kubeconfig command, then kubectl with its context. */
async function ciJobThroughDeployedKas(): Promise<void> {
  const file = path.join(dir, "ci.kubeconfig");
  let err = "";
  const kas = `https://127.0.0.1:${KAS_PORTS.kubernetesApi}`;
  const code = await kubeconfigMain(["--kas", kas, "--ca-file", pki.caFile, "--output", file], "gitops-agent kubeconfig", { KAS_ID_TOKEN: issuer.idToken("local/dude-agent") }, {
    out: () => undefined,
    err: (t) => void (err += t),
  });
  expect([code, err]).toEqual([0, `gitops-agent kubeconfig: context local/dude-agent:dude-agent (current), written to ${file}\n`]);
  const kubectl = [`--kubeconfig=${file}`, `--cache-dir=${path.join(dir, "kube-cache")}`, "--context", "local/dude-agent:dude-agent"];
  const { stdout } = await promisify(execFile)(await ensureClusterBinary(), ["kubectl", ...kubectl, "get", "deployments", "-n", "dude", "-o", "name"], { encoding: "utf8" });
  expect(stdout).toContain("deployment.apps/");
}

const names = (args: readonly string[]): Promise<string[]> => objectNames(cluster, args);

test("pulumi preview, up, run as deployed, change naww to read, destroy", async () => {
  const options = { projectName: "gitops-agent", stackName: EXAMPLE_STACK, program: stackProgramOutputs, projectFile: PROJECT_FILE, stackConfig: stackConfig(), policyPacks: [POLICY_PACK] };
  await withPulumiStack(options, async (run: PulumiStackRun) => {
    const preview = await step("preview (policy pack on)", () => run.preview());
    expect(preview.changeSummary.create).toBeGreaterThan(10);

    const up = await step("up", () => run.up());
    expect(up.summary.result).toBe("succeeded");
    expect(up.outputs.namespaces?.value).toEqual(["dude", "gitlab-k8s-agent", "naww"]);

    expect(await cluster.kubectl(["get", "service", "kas", "-n", "gitlab-k8s-agent", "-o", "jsonpath={.spec.ports[*].name}"])).toBe("grpc websocket k8s-api");
    // The operator's TLS Secret for the Kubernetes API listener (cert-manager's, in a real cluster).
    await cluster.kubectl(["create", "secret", "tls", TLS_SECRET, "-n", AGENT_NS, `--cert=${pki.certFile}`, `--key=${pki.keyFile}`]);

    // kas and agentk, as their Deployments say: the image's entrypoint, env, volumes, ServiceAccount token, Service DNS.
    const { kas, agentk } = await runKasAndAgentk(cluster, local.image, step, running);
    await step("gitops-agent kubeconfig and kubectl through the deployed kas's k8s-api port", ciJobThroughDeployedKas);
    expect(await names(["get", "deployments", "-n", "naww"])).toEqual([]);
    const log = agentk.lines.join("\n");
    expect(log).toMatch(/Forbidden.*naww/);
    expect(log).toMatch(/"msg":"Synchronization failed".*"error":"1 resources failed"/);
    expect(kas.exited()).toBeUndefined();

    const again = await step("second preview", () => run.preview());
    expect(Object.keys(again.changeSummary).filter((k) => k !== "same")).toEqual([]);

    // A person edits the stack file: naww becomes readable, and a scratch namespace the stack may delete.
    run.writeStackConfig(stackConfig({ namespaces: { dude: { access: "write", podSecurity: "baseline" }, naww: "read", scratch: { access: "read", onDestroy: "delete" } } }));
    const widen = await step("preview of naww: read, scratch added", () => run.preview());
    expect(widen.changeSummary.create).toBe(5); // naww: Role + RoleBinding; scratch: Namespace + Role + RoleBinding
    await step("up of naww: read, scratch added", () => run.up());
    expect(await names(["get", "roles", "-n", "naww"])).toEqual(["dude-agent-read"]);
    expect(await names(["get", "roles", "-n", "scratch"])).toEqual(["dude-agent-read"]);

    for (const p of running.splice(0)) await p.stop();
    await cluster.kubectl(["delete", "secret", TLS_SECRET, "-n", AGENT_NS]);
    const down = await step("destroy", () => run.destroy());
    expect(down.summary.result).toBe("succeeded");
  });

  // The agent is gone: kas, its registry (the token's hash), agentk, its token Secret, its RBAC in every namespace.
  expect(await names(["get", "deployments,secrets,configmaps,serviceaccounts,roles,rolebindings,leases", "-n", AGENT_NS, "-l", "app.kubernetes.io/managed-by=pulumi"])).toEqual([]);
  expect(await names(["get", "deployments", "-n", AGENT_NS])).toEqual([]);
  expect(await names(["get", "secrets", "-n", AGENT_NS])).toEqual([]);
  for (const ns of ["dude", "naww"]) expect(await names(["get", "roles,rolebindings", "-n", ns])).toEqual([]);
  // The namespaces stay, with what the agent deployed in them (deleting workloads is a person's decision).
  expect(await names(["get", "namespaces", "dude", "naww", AGENT_NS])).toEqual(["dude", AGENT_NS, "naww"]);
  expect(await names(["get", "deployments", "-n", "dude"])).not.toEqual([]);
  // scratch said onDestroy: delete.
  await until("namespace scratch deleted", async () => ((await names(["get", "namespaces"])).includes("scratch") ? undefined : true), 60_000);
}, 900_000);
