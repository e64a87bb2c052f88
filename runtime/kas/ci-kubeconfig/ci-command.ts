/**
 * The start every CI command (kubeconfig, wait, preview) shares: the command
 * line parsed and checked, the token read from its environment variable
 * (never argv, where `ps` would show it), the CA file read. Either the
 * command's inputs, or the exit code it ends with (help, version, usage).
 */
import { buildInfo, EXIT_FAILURE, formatVersion, parseCommandLine, usageError, usageOutcome, type CommandIo, type CommandSpec, type FlagSpecs, type FlagValues } from "../../common";
import { readCaFile } from "./ca-file";

export interface CiCommandOptions {
  readonly tokenEnv: string;
  readonly caFile?: string;
}

export interface CiCommandStart<O> {
  readonly o: O;
  readonly token: string;
  readonly caPem?: string;
  /** Prints each line as `<command>: <line>` and gives the failure exit code. */
  readonly fail: (lines: string | readonly string[]) => number;
}

const TOKEN_HINT = "expected the job's OIDC ID token (GitLab: id_tokens: <VAR>: aud: <kas's kubernetes_api.oidc.audience>)";

export function startCiCommand<S extends FlagSpecs, O extends CiCommandOptions>(
  spec: CommandSpec<S>,
  check: (values: FlagValues<S>) => { ok: O } | { errors: readonly string[] },
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  io: CommandIo,
  tokenHint = TOKEN_HINT,
): CiCommandStart<O> | { exit: number } {
  const line = parseCommandLine(spec, argv);
  if (line.kind !== "run") return { exit: usageOutcome(spec, line, formatVersion(buildInfo()), io) };
  const flags = check(line.values);
  if ("errors" in flags) return { exit: usageError(spec, flags.errors, io) };
  const o = flags.ok;
  const token = env[o.tokenEnv]?.trim();
  if (!token) return { exit: usageError(spec, [`$${o.tokenEnv} is empty: ${tokenHint.replace("<VAR>", o.tokenEnv)}`], io) };
  const ca = readCaFile(o.caFile);
  if ("error" in ca) return { exit: usageError(spec, [ca.error], io) };
  const fail = (lines: string | readonly string[]): number => {
    for (const l of typeof lines === "string" ? [lines] : lines) io.err(`${spec.name}: ${l}\n`);
    return EXIT_FAILURE;
  };
  return { o, token, fail, ...(ca.pem === undefined ? {} : { caPem: ca.pem }) };
}
