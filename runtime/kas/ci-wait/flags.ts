/**
 * `gitops-agent wait`: the flags, checked (pure). The credential comes from
 * the environment, never the command line, where `ps` would show it.
 */
import { FlagChecks, type CommandSpec, type FlagValues } from "../../common";
import { parseDuration } from "../../common/config-kit";
import { checkTokenEnv, DEFAULT_TOKEN_ENV } from "../ci-kubeconfig";

export const DEFAULT_TIMEOUT = "10m";
export const DEFAULT_INTERVAL = "2s";

export function waitCommand(name: string) {
  return {
    name,
    usage: "--kas <https url> --agent <name | config-project:name | id> --commit <sha> [--project <path>] [--timeout 10m] [--interval 2s] [--ca-file <pem>] [--token-env <VAR>]",
    summary:
      "Waits in a CI job until the agent has applied a commit (or a later one that contains it) and every object is Current: asks kas (GET /.kas/v1/commit_status, with the job's credential for the agent) until the sync ends, printing progress. Exit 0 when it succeeded; 1 when it failed, an object failed or timed out, the wait timed out or kas refused (the failing objects and reasons are printed); 2 on a usage error.",
    flags: {
      kas: { value: "<https url>", description: "kas's Kubernetes API listener (listen.kubernetes_api), e.g. https://kas.example.com:8156 (required)" },
      agent: { value: "<agent>", description: "the agent: its name, <config project path>:<name> (as kubeconfig contexts are named), or its numeric id (needed for CI job tokens, which kas cannot list agents for) (required)" },
      commit: { value: "<sha>", description: "the full commit SHA to wait for, e.g. $CI_COMMIT_SHA (required)" },
      project: { value: "<path>", description: "the manifest project holding the commit. Default: whichever of the agent's manifest projects has it" },
      timeout: { value: "<duration>", description: "how long to wait, e.g. 10m, 90s", default: DEFAULT_TIMEOUT },
      interval: { value: "<duration>", description: "between questions to kas", default: DEFAULT_INTERVAL },
      "ca-file": { value: "<pem>", description: "PEM CA bundle that signed kas's certificate. Default: the system's CAs" },
      "token-env": { value: "<VAR>", description: "environment variable holding the job's credential: its OIDC ID token (GitLab: id_tokens: <VAR>: aud: <kas url>), or in GitLab mode CI_JOB_TOKEN", default: DEFAULT_TOKEN_ENV },
    },
  } as const satisfies CommandSpec;
}

export type WaitCommandSpec = ReturnType<typeof waitCommand>;

export interface WaitOptions {
  readonly kas: string;
  readonly agent: string;
  readonly commit: string;
  readonly project?: string;
  readonly timeoutMs: number;
  readonly intervalMs: number;
  readonly caFile?: string;
  readonly tokenEnv: string;
}

const FULL_SHA = /^([0-9a-fA-F]{40}|[0-9a-fA-F]{64})$/;

function duration(check: FlagChecks, flag: string, value: string, min: number, max: number): number | undefined {
  const s = parseDuration(value);
  if (s !== undefined && s >= min && s <= max) return Math.round(s * 1000);
  check.errors.push(`--${flag} is ${JSON.stringify(value)}; expected a duration from ${min}s to ${max / 3600}h such as 10m, 90s or 1h30m`);
  return undefined;
}

export function waitFlags(values: FlagValues<WaitCommandSpec["flags"]>): { ok: WaitOptions } | { errors: readonly string[] } {
  const check = new FlagChecks();
  const kas = check.url("kas", check.required("kas", values.kas, "kas's Kubernetes API listener, an https URL"), ["https"]);
  const agent = check.required("agent", values.agent, "the agent's name, <config project path>:<name>, or its id");
  if (agent === "") check.errors.push("--agent is empty; expected the agent's name, <config project path>:<name>, or its id");
  const commit = check.required("commit", values.commit, "the full commit SHA to wait for, e.g. $CI_COMMIT_SHA");
  if (commit !== undefined && !FULL_SHA.test(commit)) check.errors.push(`--commit is ${JSON.stringify(commit)}; expected a full commit SHA (40 hex digits), e.g. $CI_COMMIT_SHA`);
  if (values.project === "") check.errors.push("--project is empty; expected a manifest project path such as group/manifests");
  const timeoutMs = duration(check, "timeout", values.timeout ?? DEFAULT_TIMEOUT, 1, 24 * 3600);
  const intervalMs = duration(check, "interval", values.interval ?? DEFAULT_INTERVAL, 0.1, 3600);
  const tokenEnv = checkTokenEnv(check, values["token-env"]);
  if (check.errors.length > 0 || kas === undefined || agent === undefined || commit === undefined || timeoutMs === undefined || intervalMs === undefined) return { errors: check.errors };
  return {
    ok: {
      kas,
      agent,
      commit: commit.toLowerCase(),
      timeoutMs,
      intervalMs,
      tokenEnv,
      ...(values.project === undefined ? {} : { project: values.project }),
      ...(values["ca-file"] === undefined ? {} : { caFile: values["ca-file"] }),
    },
  };
}
