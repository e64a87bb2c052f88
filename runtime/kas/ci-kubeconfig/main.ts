/**
 * `gitops-agent kubeconfig --kas https://kas.example.com:8156 --output kubeconfig`
 * (also `kas kubeconfig`): in a CI job, writes the kubeconfig for the agents
 * kas says the job's ID token may use. Only wiring lives here.
 */
import { chmodSync, writeFileSync } from "node:fs";
import { PROCESS_IO, type CommandIo } from "../../common";
import { contextName, renderCiKubeconfig } from "../kubeapi-auth";
import { startCiCommand } from "./ci-command";
import { fetchAllowedAgents } from "./fetch";
import { kubeconfigCommand, kubeconfigFlags } from "./flags";

/** Exit code: 0; 2 on a usage error (a bad flag, no token in the variable); 1 when kas cannot be asked or allows no agent. */
export async function kubeconfigMain(argv: readonly string[], name = "gitops-agent kubeconfig", env: NodeJS.ProcessEnv = process.env, io: CommandIo = PROCESS_IO): Promise<number> {
  const start = startCiCommand(kubeconfigCommand(name), kubeconfigFlags, argv, env, io);
  if ("exit" in start) return start.exit;
  const { o, token: idToken, caPem, fail } = start;
  let allowed;
  try {
    allowed = await fetchAllowedAgents({ kas: o.kas, idToken, ...(caPem === undefined ? {} : { caPem }) });
  } catch (err) {
    return fail(err instanceof Error ? err.message : String(err));
  }
  if (allowed.agents.length === 0) {
    return fail(`kas allows this job no agent: no agent's ci_access admits project ${allowed.projectPath ?? "(unknown)"} (check the agent's config.yaml ci_access: projects, groups, environments, protected_branches_only)`);
  }
  const yaml = renderCiKubeconfig({ server: o.kas, credential: idToken, agents: allowed.agents, ...(caPem === undefined ? {} : { caPem }) });
  if (o.output === undefined) io.out(yaml);
  else {
    // It holds the token: only the job's user may read it.
    writeFileSync(o.output, yaml, { mode: 0o600 });
    chmodSync(o.output, 0o600);
  }
  const contexts = allowed.agents.map(contextName);
  io.err(`${name}: ${contexts.length === 1 ? `context ${contexts[0]} (current)` : `contexts ${contexts.join(", ")} (choose one: kubectl config use-context <name>)`}${o.output === undefined ? "" : `, written to ${o.output}`}\n`);
  return 0;
}
