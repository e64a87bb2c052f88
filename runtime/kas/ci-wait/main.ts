/**
 * `gitops-agent wait --kas https://kas.example.com:8156 --agent <name>
 * --commit $CI_COMMIT_SHA`: in a CI job, waits until the agent has applied
 * the commit and its objects are Current. Only wiring lives here.
 */
import { PROCESS_IO, sleep, type CommandIo } from "../../common";
import { chooseAgent, startCiCommand } from "../ci-kubeconfig";
import { askCommitStatus } from "./ask";
import { waitCommand, waitFlags } from "./flags";
import { waitLoop } from "./loop";

/** Exit code: 0 when the sync succeeded; 1 when it failed, timed out or kas refused; 2 on a usage error. */
export async function waitMain(argv: readonly string[], name = "gitops-agent wait", env: NodeJS.ProcessEnv = process.env, io: CommandIo = PROCESS_IO): Promise<number> {
  const start = startCiCommand(waitCommand(name), waitFlags, argv, env, io, "expected the job's OIDC ID token (GitLab: id_tokens: <VAR>: aud: <kas's kubernetes_api.oidc.audience>), or in GitLab mode --token-env CI_JOB_TOKEN");
  if ("exit" in start) return start.exit;
  const { o, token, caPem, fail } = start;
  let agentId: string;
  try {
    agentId = (await chooseAgent({ kas: o.kas, agent: o.agent, ...(caPem === undefined ? {} : { caPem }) }, token)).id;
  } catch (err) {
    return fail([err instanceof Error ? err.message : String(err)]);
  }
  const ask = () => askCommitStatus({ kas: o.kas, agentId, token, commit: o.commit, ...(o.project === undefined ? {} : { project: o.project }), ...(caPem === undefined ? {} : { caPem }) });
  const outcome = await waitLoop({ ask, now: Date.now, sleep: async (ms) => void (await sleep(ms)), print: (l) => io.out(`${name}: ${l}\n`) }, o.timeoutMs, o.intervalMs);
  return outcome.ok ? 0 : fail(outcome.lines);
}
