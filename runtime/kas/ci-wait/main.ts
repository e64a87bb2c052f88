/**
 * `gitops-agent wait --kas https://kas.example.com:8156 --agent <name>
 * --commit $CI_COMMIT_SHA`: in a CI job, waits until the agent has applied
 * the commit and its objects are Current. Only wiring lives here.
 */
import { buildInfo, EXIT_FAILURE, formatVersion, parseCommandLine, PROCESS_IO, sleep, usageError, usageOutcome, type CommandIo } from "../../common";
import { fetchAllowedAgents, readCaFile } from "../ci-kubeconfig";
import { askCommitStatus } from "./ask";
import { waitCommand, waitFlags } from "./flags";
import { waitLoop } from "./loop";
import { isAgentId, resolveAgent } from "./resolve";

/** Exit code: 0 when the sync succeeded; 1 when it failed, timed out or kas refused; 2 on a usage error. */
export async function waitMain(argv: readonly string[], name = "gitops-agent wait", env: NodeJS.ProcessEnv = process.env, io: CommandIo = PROCESS_IO): Promise<number> {
  const spec = waitCommand(name);
  const line = parseCommandLine(spec, argv);
  if (line.kind !== "run") return usageOutcome(spec, line, formatVersion(buildInfo()), io);
  const flags = waitFlags(line.values);
  if ("errors" in flags) return usageError(spec, flags.errors, io);
  const o = flags.ok;
  const token = env[o.tokenEnv]?.trim();
  if (!token) return usageError(spec, [`$${o.tokenEnv} is empty: expected the job's OIDC ID token (GitLab: id_tokens: ${o.tokenEnv}: aud: <kas's kubernetes_api.oidc.audience>), or in GitLab mode --token-env CI_JOB_TOKEN`], io);
  const ca = readCaFile(o.caFile);
  if ("error" in ca) return usageError(spec, [ca.error], io);
  const caPem = ca.pem;
  const fail = (lines: readonly string[]): number => {
    for (const l of lines) io.err(`${name}: ${l}\n`);
    return EXIT_FAILURE;
  };
  let agentId = o.agent;
  if (!isAgentId(o.agent)) {
    try {
      const allowed = await fetchAllowedAgents({ kas: o.kas, idToken: token, ...(caPem === undefined ? {} : { caPem }) });
      const found = resolveAgent(o.agent, allowed.agents, allowed.projectPath);
      if ("error" in found) return fail([found.error]);
      agentId = found.id;
    } catch (err) {
      return fail([err instanceof Error ? err.message : String(err)]);
    }
  }
  const ask = () => askCommitStatus({ kas: o.kas, agentId, token, commit: o.commit, ...(o.project === undefined ? {} : { project: o.project }), ...(caPem === undefined ? {} : { caPem }) });
  const outcome = await waitLoop({ ask, now: Date.now, sleep: async (ms) => void (await sleep(ms)), print: (l) => io.out(`${name}: ${l}\n`) }, o.timeoutMs, o.intervalMs);
  return outcome.ok ? 0 : fail(outcome.lines);
}
