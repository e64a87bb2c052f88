/**
 * The container's entry point: `gitops-agent kas --config ...` or
 * `gitops-agent agentk --kas-address ...` (one image holds both runtimes).
 */
import { buildInfo, formatVersion, parseCommandLine, PROCESS_IO as io, usageError, usageOutcome, type CommandSpec } from "./common";

type Main = (argv: readonly string[]) => Promise<number>;

const ENTRY_COMMAND = {
  name: "gitops-agent",
  usage: "kas --config <kas.yaml> | agentk --kas-address <url> [flags] | agentk generate [flags]",
  summary: "One image, both runtimes. 'gitops-agent kas --help', 'gitops-agent agentk --help' and 'gitops-agent agentk generate --help' list their flags.",
  flags: {},
  positionals: true,
} as const satisfies CommandSpec;

// Only the chosen runtime is loaded: an agentk process does not carry kas's modules (memory: bench/README.md).
const [command, ...args] = process.argv.slice(2);
const load: (() => Promise<Main>) | undefined =
  command === "kas"
    ? async () => (await import("./kas/main.js")).main
    : command === "agentk"
      ? async () => (await import("./agentk/main.js")).main
      : undefined;
if (!load) {
  const line = parseCommandLine(ENTRY_COMMAND, process.argv.slice(2));
  process.exit(
    line.kind !== "run"
      ? usageOutcome(ENTRY_COMMAND, line, formatVersion(buildInfo()), io)
      : usageError(ENTRY_COMMAND, [command === undefined ? "a command is required: kas or agentk" : `unknown command ${JSON.stringify(command)}; expected kas or agentk`], io),
  );
}
load()
  .then((run) => run(args))
  .then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${command}: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
