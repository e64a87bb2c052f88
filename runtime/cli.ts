#!/usr/bin/env node
/**
 * The container's entry point and the package's `gitops-agent` command:
 * `gitops-agent kas --config ...` or `gitops-agent agentk --kas-address ...`
 * (one image holds both runtimes), and `gitops-agent kubeconfig --kas ...`, `gitops-agent preview --kas ...` and `gitops-agent wait --kas ...` for CI jobs. The package's `kas` and `agentk` commands
 * (bin/kas.ts, bin/agentk.ts) are the same runtimes without the word.
 */
import { buildInfo, formatVersion, parseCommandLine, PROCESS_IO as io, runMainProcess, usageError, usageOutcome, type CommandSpec } from "./common";
import { COMMAND_NAMES, loadRuntime } from "./runtimes";

const ENTRY_COMMAND = {
  name: "gitops-agent",
  usage: "kas --config <kas.yaml> | agentk --kas-address <url> [flags] | agentk generate [flags] | kubeconfig --kas <https url> [flags] | preview --kas <https url> --agent <name> --commit <sha> [flags] | wait --kas <https url> --agent <name> --commit <sha> [flags]",
  summary: "One image, both runtimes, and the CI job's commands (kubeconfig, preview, wait). 'gitops-agent kas --help', 'gitops-agent agentk --help', 'gitops-agent agentk generate --help', 'gitops-agent kubeconfig --help', 'gitops-agent preview --help' and 'gitops-agent wait --help' list their flags.",
  flags: {},
  positionals: true,
} as const satisfies CommandSpec;

const [command, ...args] = process.argv.slice(2);
if (command !== undefined && (COMMAND_NAMES as readonly string[]).includes(command)) {
  const name = command as (typeof COMMAND_NAMES)[number];
  runMainProcess(name, async () => (await loadRuntime(name))(args));
} else {
  const line = parseCommandLine(ENTRY_COMMAND, process.argv.slice(2));
  process.exit(
    line.kind !== "run"
      ? usageOutcome(ENTRY_COMMAND, line, formatVersion(buildInfo()), io)
      : usageError(ENTRY_COMMAND, [command === undefined ? "a command is required: kas, agentk, kubeconfig, preview or wait" : `unknown command ${JSON.stringify(command)}; expected kas, agentk, kubeconfig, preview or wait`], io),
  );
}
