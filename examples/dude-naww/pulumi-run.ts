/**
 * `npm run demo -- --pulumi`: the same scenario the way a user deploys it,
 * locally: infra/'s program through the real Pulumi engine (built from Go
 * modules on first use) on the embedded test cluster, then kas and agentk run
 * exactly as the created Deployments say (test/deployed; needs root for its
 * private mount namespaces), the outcome shown, and `pulumi destroy`.
 */
import * as os from "node:os";
import * as path from "node:path";
import { mkdtempSync, rmSync } from "node:fs";
import { startTestCluster, type TestCluster } from "../../test/cluster";
import type { DeployedProcess } from "../../test/deployed";
import { runKasAndAgentk } from "../../test/e2e/as-deployed";
import { startGitHttpServer, type GitHttpServer } from "../../test/git";
import { ensureRuntimeImage } from "../../test/image";
import { ensurePulumiEngine, withPulumiStack } from "../../test/pulumi-engine";
import { EXAMPLE_STACK, exampleStackConfig, makeExampleRepo, POLICY_PACK, PROJECT_FILE, stackProgramOutputs } from "./stack";

export interface PulumiDemoResult {
  readonly podsDude: string;
  readonly podsNaww: string;
  readonly why: string[];
}

export async function runPulumiDemo(say: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<PulumiDemoResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "dude-naww-pulumi-"));
  const running: DeployedProcess[] = [];
  let cluster: TestCluster | undefined;
  let git: GitHttpServer | undefined;
  try {
    say("== 1. The embedded test cluster, the Pulumi engine (pulumi CLI + Kubernetes provider, built from Go modules the first time: ~25 min), the image's /app");
    cluster = await startTestCluster({ build: true, onProgress: (l) => say(`   ${l}`) });
    await ensurePulumiEngine({ build: true, onProgress: (l) => say(`   ${l}`) });
    const image = await ensureRuntimeImage();
    await makeExampleRepo(path.join(dir, "repos"));
    git = await startGitHttpServer({ root: path.join(dir, "repos") });
    const kubectl = cluster.kubectl.bind(cluster);
    const stackConfig = exampleStackConfig(cluster.kubeconfigPath, git.url);
    const options = { projectName: "gitops-agent", stackName: EXAMPLE_STACK, program: stackProgramOutputs, projectFile: PROJECT_FILE, stackConfig, policyPacks: [POLICY_PACK] };
    return await withPulumiStack(options, async (run) => {
      say(`== 2. pulumi preview --policy-pack infra/policy (stack ${EXAMPLE_STACK}, examples/dude-naww/Pulumi.dude-naww.yaml)`);
      const preview = await run.preview();
      say(`   ${JSON.stringify(preview.changeSummary)}`);
      say("== 3. pulumi up");
      const up = await run.up({ onOutput: (l) => say(`   ${l.trimEnd()}`) });
      say(`   ${up.summary.result}: ${JSON.stringify(up.summary.resourceChanges)}`);

      say("== 4. kas and agentk, run exactly as their Deployments say (image entrypoint, env, volumes, ServiceAccount token, Service DNS)");
      const { agentk } = await runKasAndAgentk(cluster!, image, (_name, fn) => fn(), running);

      say("== 5. The outcome");
      const podsDude = await kubectl(["get", "pods", "-n", "dude"]);
      const podsNaww = (await kubectl(["get", "pods", "-n", "naww"]).catch((e: Error) => e.message)) || "No resources found in naww namespace.";
      say(`$ kubectl get pods -n dude\n${podsDude}$ kubectl get pods -n naww\n${podsNaww}`);
      const why = agentk.lines.filter((l) => /Forbidden|"msg":"Synchronization failed"/.test(l)).slice(0, 2);
      say(`the agent's log says why:\n${why.map((l) => `   ${l.slice(0, 400)}`).join("\n")}`);

      say("== 6. pulumi destroy (the agent, its token, RBAC and kas go; namespaces dude and naww stay)");
      for (const p of running.splice(0)) await p.stop();
      const down = await run.destroy();
      say(`   ${down.summary.result}: ${JSON.stringify(down.summary.resourceChanges)}`);
      return { podsDude, podsNaww, why };
    });
  } finally {
    for (const p of running) await p.stop().catch(() => undefined);
    await git?.stop();
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
