/** What both pulumi-up e2e tests share: the program and its config as `pulumi up` sees them, and kas and agentk run as deployed. */
import { EXAMPLE, exampleRepoFiles, POLICY_PACK, stackProgramOutputs } from "../../examples/dude-naww/stack";
import { agentkNames, DEFAULT_AGENTK_IMAGE } from "../../runtime/common/deploy";
import type { TestCluster } from "../cluster";
import { runDeployment, type DeployedProcess, type RunnerImage } from "../deployed";
import type { RuntimeImage } from "../image";
import type { StepTimer } from "../pulumi-engine";
import { until } from "../until";

export const AGENT_NS = "gitlab-k8s-agent";
export { EXAMPLE, exampleRepoFiles, POLICY_PACK };

/** infra/'s program as `pulumi up` runs it (infra/index.ts), inline: no language host here. */
export const program = stackProgramOutputs;

/** `gitops-agent:<key>` config values as the Automation API takes them (maps as JSON). */
export function asStackConfig(values: Record<string, unknown>): Record<string, { value: string }> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [`gitops-agent:${k}`, { value: typeof v === "string" ? v : JSON.stringify(v) }]));
}

/** The sorted names of what `kubectl <args>` lists. */
export async function objectNames(cluster: TestCluster, args: readonly string[]): Promise<string[]> {
  const list = JSON.parse(await cluster.kubectl([...args, "-o", "json"])) as { items: { metadata: { name: string } }[] };
  return list.items.map((i) => i.metadata.name).sort();
}

/**
 * kas (readiness probe) then agentk (its first sync) as their Deployments say,
 * then nginx Running in dude; each a timed step. The processes are pushed onto
 * `running` as they start, for the caller to stop. `kasReplica`: which pod
 * of a kas Deployment of several replicas to run (test/deployed runs one).
 */
export async function runKasAndAgentk(
  cluster: TestCluster,
  image: RuntimeImage,
  step: StepTimer["step"],
  running: DeployedProcess[],
  o: { readonly kasReplica?: number } = {},
): Promise<{ kas: DeployedProcess; agentk: DeployedProcess }> {
  const images: Record<string, RunnerImage> = { [DEFAULT_AGENTK_IMAGE]: image };
  const start = async (name: string, replica?: number) => {
    const p = await runDeployment(cluster, { namespace: AGENT_NS, name, images, ...(replica === undefined ? {} : { replica }) });
    running.push(p);
    return p;
  };
  const [kasDeployment] = await objectNames(cluster, ["get", "deployments", "-n", AGENT_NS, "-l", "app.kubernetes.io/name=kas"]);
  if (kasDeployment === undefined) throw new Error(`no kas Deployment in ${AGENT_NS} after up`);
  const kas = await step("kas started and ready (readiness probe)", async () => {
    const p = await start(kasDeployment, o.kasReplica);
    await p.waitReady(60_000);
    return p;
  });
  const agentk = await step("agentk started and synced", async () => {
    const p = await start(agentkNames("dude-agent").deployment);
    await p.waitForLine(/"msg":"Synchronization (failed|finished)"/, 120_000);
    return p;
  });
  await step("nginx Running in dude", () =>
    until("nginx pods Running in dude", async () => {
      const pods = JSON.parse(await cluster.kubectl(["get", "pods", "-n", "dude", "-o", "json"])) as { items: { status: { phase: string } }[] };
      return pods.items.length > 0 && pods.items.every((p) => p.status.phase === "Running") ? true : undefined;
    }, 60_000, () => [...agentk.lines.slice(-10), ...kas.lines.slice(-10)].join("\n")),
  );
  return { kas, agentk };
}
