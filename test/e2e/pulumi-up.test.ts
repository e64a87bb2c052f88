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
import * as path from "node:path";
import { EXAMPLE_STACK, exampleStackConfig, makeExampleRepo, POLICY_PACK, PROJECT_FILE, stackProgramOutputs } from "../../examples/dude-naww/stack";
import { startTestCluster, type TestCluster } from "../cluster";
import type { DeployedProcess } from "../deployed";
import { removeDir, startGitHttpServer, tempDir, type GitHttpServer } from "../git";
import { ensureRuntimeImage, type RuntimeImage } from "../image";
import { stepTimer, withPulumiStack, type PulumiStackRun } from "../pulumi-engine";
import { until } from "../until";
import { AGENT_NS, objectNames, runKasAndAgentk } from "./as-deployed";


let cluster: TestCluster;
let git: GitHttpServer;
let dir: string;
let image: RuntimeImage;
const running: DeployedProcess[] = [];
const { step, times } = stepTimer();


beforeAll(async () => {
  [cluster, image, dir] = await Promise.all([startTestCluster(), ensureRuntimeImage(), tempDir()]);
  await makeExampleRepo(path.join(dir, "repos"));
  git = await startGitHttpServer({ root: path.join(dir, "repos") });
}, 600_000);

afterAll(async () => {
  if (times.length > 0) console.log(`pulumi up, as deployed: step times\n  ${times.join("\n  ")}`);
  for (const p of running) await p.stop().catch(() => undefined);
  await git?.stop();
  await cluster?.stop();
  if (dir) await removeDir(dir);
});

const stackConfig = (changes: Record<string, unknown> = {}): Record<string, unknown> => exampleStackConfig(cluster.kubeconfigPath, git.url, changes);

const names = (args: readonly string[]): Promise<string[]> => objectNames(cluster, args);

test("pulumi preview, up, run as deployed, change naww to read, destroy", async () => {
  const options = { projectName: "gitops-agent", stackName: EXAMPLE_STACK, program: stackProgramOutputs, projectFile: PROJECT_FILE, stackConfig: stackConfig(), policyPacks: [POLICY_PACK] };
  await withPulumiStack(options, async (run: PulumiStackRun) => {
    const preview = await step("preview (policy pack on)", () => run.preview());
    expect(preview.changeSummary.create).toBeGreaterThan(10);

    const up = await step("up", () => run.up());
    expect(up.summary.result).toBe("succeeded");
    expect(up.outputs.namespaces?.value).toEqual(["dude", "gitlab-k8s-agent", "naww"]);

    // kas and agentk, as their Deployments say: the image's entrypoint, env, volumes, ServiceAccount token, Service DNS.
    const { kas, agentk } = await runKasAndAgentk(cluster, image, step, running);
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
