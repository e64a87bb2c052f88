/**
 * `npm run rbac:diff -- old.yaml new.yaml`: the agent's RBAC change between
 * two stack config files, as a table. Reads files only: no cloud, no Pulumi
 * engine. Exit 0 with the table (or "no RBAC change"), 1 on bad input, 2 on
 * a usage error.
 */
import { buildInfo, formatVersion, parseCommandLine, usageError, usageOutcome, type CommandIo, type CommandSpec } from "../../runtime/common";
import { diffRbac } from "./diff";
import { planFromStackFile } from "./stack-file";
import { formatDiffTable } from "./table";

const USAGE_LINE = "usage: npm run rbac:diff -- <old Pulumi.<stack>.yaml> <new Pulumi.<stack>.yaml>";

export const RBAC_DIFF_COMMAND = {
  name: "rbac:diff",
  usage: "<old Pulumi.<stack>.yaml> <new Pulumi.<stack>.yaml>   (npm run rbac:diff -- ...)",
  summary: "Prints the agent's RBAC change (namespace | change | apiGroups | resources | verbs).\nAn empty old file stands for a new stack (no RBAC before).",
  flags: {},
  positionals: true,
} as const satisfies CommandSpec;

/** Runs the CLI on its arguments; returns the exit code. */
export function runDiffCli(args: readonly string[], io: CommandIo): number {
  const line = parseCommandLine(RBAC_DIFF_COMMAND, args);
  if (line.kind !== "run") return usageOutcome(RBAC_DIFF_COMMAND, line, formatVersion(buildInfo()), io);
  const files = line.positionals;
  if (files.length !== 2) return usageError(RBAC_DIFF_COMMAND, [`expected two stack config files, got ${files.length}`, USAGE_LINE], io);
  const [oldFile = "", newFile = ""] = files;
  try {
    const plans = [oldFile, newFile].map((file) => {
      try {
        return planFromStackFile(file);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        throw new Error(message.startsWith(file) ? message : `${file}: ${message}`);
      }
    });
    io.out(`${formatDiffTable(diffRbac(plans[0]!, plans[1]!))}\n`);
    return 0;
  } catch (err) {
    io.err(`rbac:diff: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

if (require.main === module) {
  process.exitCode = runDiffCli(process.argv.slice(2), {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
  });
}
