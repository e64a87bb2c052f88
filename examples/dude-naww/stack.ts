/**
 * The dude/naww stack as the Pulumi path runs it locally: the example's stack
 * file pointed at a given cluster and Git server, and the example repository.
 * Shared by `npm run demo -- --pulumi` and test/e2e/pulumi-up.test.ts.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { readStackFile } from "../../infra/config";
import { stackProgram } from "../../infra/program";
import { makeRepo } from "../../test/git";

export const EXAMPLE = __dirname;
export const EXAMPLE_STACK = "dude-naww";
/** The repository's project file (its config schema included). */
export const PROJECT_FILE = path.resolve(__dirname, "../../Pulumi.yaml");
export const POLICY_PACK = path.resolve(__dirname, "../../infra/policy");
const AGENT_CONFIG = ".gitlab/agents/dude-agent/config.yaml";

/** The example's repository content (agent config and manifests); `manifestProject` replaces the id config.yaml names (root/dude-naww). */
export function exampleRepoFiles(manifestProject?: string): Record<string, string> {
  const files = [AGENT_CONFIG, "manifests/dude.yaml", "manifests/naww.yaml"];
  const content = Object.fromEntries(files.map((f) => [f, readFileSync(path.join(EXAMPLE, f), "utf8")]));
  if (manifestProject) content[AGENT_CONFIG] = content[AGENT_CONFIG]!.replace("id: root/dude-naww", `id: ${manifestProject}`);
  return content;
}

/** The example repository as `<reposDir>/dude-naww.git`, served by test/git's startGitHttpServer({ root: reposDir }). */
export async function makeExampleRepo(reposDir: string): Promise<void> {
  await makeRepo(path.join(reposDir, "dude-naww.git"), exampleRepoFiles(), { message: "dude and naww" });
}

/**
 * The stack file's `config:` (gitops-agent:<key> -> YAML value): Pulumi.dude-naww.yaml with the
 * cluster replaced by a kubeconfig and kas's projects cloned from `gitUrl`; `changes` replaces keys.
 */
export function exampleStackConfig(kubeconfig: string, gitUrl: string, changes: Record<string, unknown> = {}): Record<string, unknown> {
  const raw = readStackFile(path.join(EXAMPLE, `Pulumi.${EXAMPLE_STACK}.yaml`));
  const kas = raw.kas as { projects: { id: string; url: string }[] };
  const values: Record<string, unknown> = {
    ...raw,
    cluster: { provider: "existing", kubeconfig },
    kas: { ...kas, projects: kas.projects.map((p) => ({ ...p, url: `${gitUrl}/dude-naww.git` })) },
    ...changes,
  };
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [`gitops-agent:${k}`, v]));
}

/** infra/'s program as `pulumi up` runs it (infra/index.ts), for the Automation API's inline form (no language host here). */
export async function stackProgramOutputs(): Promise<Record<string, unknown>> {
  const outputs = stackProgram();
  return { agentId: outputs.agentId, kasAddress: outputs.kasAddress, namespaces: outputs.namespaces };
}
