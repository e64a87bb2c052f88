/**
 * `gitops-agent preview --kas <url> --agent <name> --commit <sha>`: in a CI
 * job, asks kas (POST /.kas/v1/preview, as the job's ci_access allows) for the
 * agent's plan of a commit, prints it, and with --mr-note posts it on the
 * merge request. Only wiring lives here.
 */
import { EXIT_FAILURE, PROCESS_IO, type CommandIo } from "../../common";
import { KAS_PREVIEW_PATH, PREVIEW_MAX_RESULT_BYTES, parsePreviewResult, previewFails, type PreviewResult } from "../../rpc";
import { ciBearerToken } from "../kubeapi-auth";
import { chooseAgent, kasJson, startCiCommand, type ChosenAgent } from "../ci-kubeconfig";
import { previewCommand, previewFlags } from "./flags";
import { noteTarget, postNote } from "./mr-note";
import { renderMarkdown, renderText } from "./render";

/** How long kas and the agent may take: a dry run of every object of a large commit. */
const PREVIEW_TIMEOUT_MS = 300_000;

/** Exit code: 0 nothing the apply would fail on; 1 it would fail on something, or kas or the agent refused; 2 usage. */
export async function previewMain(argv: readonly string[], name = "gitops-agent preview", env: NodeJS.ProcessEnv = process.env, io: CommandIo = PROCESS_IO): Promise<number> {
  const start = startCiCommand(previewCommand(name), previewFlags, argv, env, io);
  if ("exit" in start) return start.exit;
  const { o, token: idToken, caPem, fail } = start;
  let agent: ChosenAgent;
  let result: PreviewResult;
  try {
    agent = await chooseAgent({ kas: o.kas, agent: o.agent, ...(caPem === undefined ? {} : { caPem }) }, idToken);
    const json = await kasJson(
      { kas: o.kas, path: KAS_PREVIEW_PATH, authorization: `Bearer ${ciBearerToken(agent.id, idToken)}`, json: { commit: o.commit, ...(o.project === undefined ? {} : { project: o.project }) }, timeoutMs: PREVIEW_TIMEOUT_MS, maxBody: PREVIEW_MAX_RESULT_BYTES, ...(caPem === undefined ? {} : { caPem }) },
      "previews",
    );
    const parsed = parsePreviewResult(json);
    if (!parsed.ok) return fail(`unexpected answer from kas: ${parsed.reason}`);
    result = parsed.value;
  } catch (err) {
    return fail(err instanceof Error ? err.message : String(err));
  }
  const markdown = renderMarkdown(result, agent.label);
  io.out(o.format === "json" ? `${JSON.stringify(result, null, 2)}\n` : o.format === "markdown" ? markdown : renderText(result, agent.label));
  const code = previewFails(result) ? EXIT_FAILURE : 0;
  if (!o.mrNote) return code;
  const target = noteTarget(env, o.noteTokenEnv);
  if ("missing" in target) {
    io.err(`${name}: the merge request note is not posted: ${target.missing}\n`);
    return code;
  }
  try {
    await postNote(target.ok, markdown);
  } catch (err) {
    return fail(err instanceof Error ? err.message : String(err));
  }
  io.err(`${name}: posted the preview on merge request !${target.ok.mergeRequestIid}\n`);
  return code;
}
