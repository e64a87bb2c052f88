/**
 * A command as a process: read the command line, print help, version or
 * usage errors, run, exit with the code; whatever `run` throws is printed
 * as `<name>: <message>` and exits EXIT_FAILURE.
 */
import { EXIT_FAILURE, parseCommandLine, usageOutcome, type CommandIo, type CommandSpec, type FlagSpecs, type FlagValues } from "./command-line";
import { buildInfo, formatVersion } from "./version";

export const PROCESS_IO: CommandIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

export function runCommandProcess<S extends FlagSpecs>(
  spec: CommandSpec<S>,
  run: (values: FlagValues<S>, positionals: readonly string[]) => Promise<number>,
  argv: readonly string[] = process.argv.slice(2),
): void {
  const line = parseCommandLine(spec, argv);
  if (line.kind !== "run") process.exit(usageOutcome(spec, line, formatVersion(buildInfo()), PROCESS_IO));
  runMainProcess(spec.name, () => run(line.values, line.positionals));
}

/** Runs a command's main as this process: exits with the code it returns; a throw prints `<name>: <message>` and exits EXIT_FAILURE. */
export function runMainProcess(name: string, main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${name}: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(EXIT_FAILURE);
    },
  );
}
