/**
 * `gitops-agent preview`: the flags, checked (pure). The ID token and the
 * GitLab token for the merge request note come from the environment, never
 * from the command line, where `ps` would show them.
 */
import { FlagChecks, type CommandSpec, type FlagValues } from "../../common";
import { checkTokenEnv, DEFAULT_TOKEN_ENV } from "../ci-kubeconfig";

export const DEFAULT_NOTE_TOKEN_ENV = "GITLAB_NOTE_TOKEN";
export const FORMATS = ["text", "markdown", "json"] as const;
export type Format = (typeof FORMATS)[number];
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function previewCommand(name: string) {
  return {
    name,
    usage: "--kas <https url> --agent <name | config-project:name> --commit <sha> [flags]",
    summary:
      "Asks the agent, through kas, to plan a commit without applying it: a server-side dry run of every object as the agent's ServiceAccount, the fields each would change, what prune would delete, what the apply would be refused (Forbidden, invalid, out of scope) and the RBAC the commit adds or widens. Exit 0: nothing the apply would fail on; 1: the apply would fail on something, or kas or the agent refused; 2: usage.",
    flags: {
      kas: { value: "<https url>", description: "kas's Kubernetes API listener (listen.kubernetes_api), e.g. https://kas.example.com:8156 (required)" },
      agent: { value: "<agent>", description: "the agent: its name, <config project path>:<name> (as kubeconfig contexts are named), or its numeric id (required)" },
      commit: { value: "<sha>", description: "the commit to preview (required)" },
      project: { value: "<path>", description: "the manifest project the commit belongs to. Default: the agent's configuration project" },
      format: { value: "<text|markdown|json>", description: "how to print the preview", default: "text" },
      "ca-file": { value: "<pem>", description: "PEM CA bundle that signed kas's certificate. Default: the system's CAs" },
      "token-env": { value: "<VAR>", description: "environment variable holding the job's OIDC ID token", default: DEFAULT_TOKEN_ENV },
      "mr-note": { type: "boolean", description: "also post the preview as a note on the merge request ($CI_API_V4_URL, $CI_PROJECT_ID, $CI_MERGE_REQUEST_IID)" },
      "note-token-env": { value: "<VAR>", description: "environment variable holding the GitLab token the note is posted with (PRIVATE-TOKEN, scope api)", default: DEFAULT_NOTE_TOKEN_ENV },
    },
  } as const satisfies CommandSpec;
}

export type PreviewCommandSpec = ReturnType<typeof previewCommand>;

export interface PreviewOptions {
  readonly kas: string;
  readonly agent: string;
  readonly commit: string;
  readonly project?: string;
  readonly format: Format;
  readonly caFile?: string;
  readonly tokenEnv: string;
  readonly mrNote: boolean;
  readonly noteTokenEnv: string;
}

export function previewFlags(values: FlagValues<PreviewCommandSpec["flags"]>): { ok: PreviewOptions } | { errors: readonly string[] } {
  const check = new FlagChecks();
  const kas = check.url("kas", check.required("kas", values.kas, "kas's Kubernetes API listener, an https URL"), ["https"]);
  const agent = check.required("agent", values.agent, "the agent's name or <config project path>:<name>");
  const commit = check.required("commit", values.commit, "a commit SHA");
  if (commit !== undefined && !/^[0-9a-f]{4,40}$/.test(commit)) check.errors.push(`--commit is ${JSON.stringify(commit)}; expected a commit SHA (4 to 40 lowercase hex digits)`);
  const format = check.oneOf("format", values.format, FORMATS) ?? "text";
  const tokenEnv = checkTokenEnv(check, values["token-env"]);
  const noteTokenEnv = values["note-token-env"] ?? DEFAULT_NOTE_TOKEN_ENV;
  if (!ENV_NAME.test(noteTokenEnv)) check.errors.push(`--note-token-env is ${JSON.stringify(noteTokenEnv)}; expected the name of an environment variable such as ${DEFAULT_NOTE_TOKEN_ENV}`);
  if (check.errors.length > 0 || kas === undefined || agent === undefined || commit === undefined) return { errors: check.errors };
  const optional = { ...(values.project === undefined ? {} : { project: values.project }), ...(values["ca-file"] === undefined ? {} : { caFile: values["ca-file"] }) };
  return { ok: { kas, agent, commit, format, tokenEnv, noteTokenEnv, mrNote: values["mr-note"] === true, ...optional } };
}
