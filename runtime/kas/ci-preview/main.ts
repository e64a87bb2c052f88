/**
 * `gitops-agent preview --kas <url> --agent <name> --commit <sha>`: in a CI
 * job, asks kas (POST /.kas/v1/preview, as the job's ci_access allows) for the
 * agent's plan of a commit, prints it, and with --mr-note posts it on the
 * merge request. Only wiring lives here.
 */
import { buildInfo, EXIT_FAILURE, formatVersion, parseCommandLine, PROCESS_IO, usageError, usageOutcome, type CommandIo } from "../../common";
import { KAS_PREVIEW_PATH, PREVIEW_MAX_RESULT_BYTES, parsePreviewResult, previewFails, type PreviewResult } from "../../rpc";
import { ciBearerToken, contextName } from "../kubeapi-auth";
import { fetchAllowedAgents, kasJson, readCaFile } from "../ci-kubeconfig";
import { previewCommand, previewFlags, type PreviewOptions } from "./flags";
import { noteTarget, postNote } from "./mr-note";
import { renderMarkdown, renderText } from "./render";

/** How long kas and the agent may take: a dry run of every object of a large commit. */
const PREVIEW_TIMEOUT_MS = 300_000;

/** Exit code: 0 nothing the apply would fail on; 1 it would fail on something, or kas or the agent refused; 2 usage. */
export async function previewMain(argv: readonly string[], name = "gitops-agent preview", env: NodeJS.ProcessEnv = process.env, io: CommandIo = PROCESS_IO): Promise<number> {
  const spec = previewCommand(name);
  const line = parseCommandLine(spec, argv);
  if (line.kind !== "run") return usageOutcome(spec, line, formatVersion(buildInfo()), io);
  const flags = previewFlags(line.values);
  if ("errors" in flags) return usageError(spec, flags.errors, io);
  const o = flags.ok;
  const idToken = env[o.tokenEnv]?.trim();
  if (!idToken) return usageError(spec, [`$${o.tokenEnv} is empty: expected the job's OIDC ID token (GitLab: id_tokens: ${o.tokenEnv}: aud: <kas's kubernetes_api.oidc.audience>)`], io);
  const ca = readCaFile(o.caFile);
  if ("error" in ca) return usageError(spec, [ca.error], io);
  const caPem = ca.pem;
  const fail = (message: string): number => {
    io.err(`${name}: ${message}\n`);
    return EXIT_FAILURE;
  };
  let agent: { id: string; label: string };
  let result: PreviewResult;
  try {
    agent = await resolveAgent(o, idToken, caPem);
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

/** The agent --agent names, among those kas says the job may use. */
async function resolveAgent(o: PreviewOptions, idToken: string, caPem: string | undefined): Promise<{ id: string; label: string }> {
  const allowed = await fetchAllowedAgents({ kas: o.kas, idToken, ...(caPem === undefined ? {} : { caPem }) });
  const matches = allowed.agents.filter((a) => (o.agent.includes(":") ? contextName(a) === o.agent : a.name === o.agent));
  const names = allowed.agents.map(contextName).join(", ") || "none";
  if (matches.length === 0) throw new Error(`no agent ${o.agent} among those this job may use (${names}); check --agent and the agent's ci_access`);
  if (matches.length > 1) throw new Error(`--agent ${o.agent} names ${matches.length} agents (${matches.map(contextName).join(", ")}); give it as <config project path>:<name>`);
  const a = matches[0]!;
  return { id: a.id, label: contextName(a) };
}
