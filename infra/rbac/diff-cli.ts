/**
 * `npm run rbac:diff -- old.yaml new.yaml`: the agent's RBAC change between
 * two stack config files, as a table (`--format markdown` for a merge request
 * note). Reads files only: no cloud, no Pulumi engine. Exit codes: 0 no RBAC
 * change, 3 RBAC changes (the table printed), 1 bad input, 2 usage error.
 */
import { buildInfo, formatVersion, parseCommandLine, usageError, usageOutcome, EXIT_FAILURE, type CommandIo, type CommandSpec } from "../../runtime/common";
import { diffRbac, isEmptyDiff } from "./diff";
import { planFromStackFile } from "./stack-file";
import { formatDiffMarkdown, formatDiffTable } from "./table";

const USAGE_LINE = "usage: npm run rbac:diff -- [--format text|markdown] <old Pulumi.<stack>.yaml> <new Pulumi.<stack>.yaml>";

/**
 * The RBAC changes. Like `terraform plan -detailed-exitcode` (2 = changes),
 * but 2 is already every command's usage error here (and getopt's, kubectl's),
 * so changes are 3: CI can tell "changed" from "broken" by the code alone.
 */
export const EXIT_RBAC_CHANGED = 3;

const FORMATS = { text: formatDiffTable, markdown: formatDiffMarkdown } as const;

export const RBAC_DIFF_COMMAND = {
  name: "rbac:diff",
  usage: "[--format text|markdown] <old Pulumi.<stack>.yaml> <new Pulumi.<stack>.yaml>   (npm run rbac:diff -- ...)",
  summary: [
    "Prints the agent's RBAC change (namespace | change | apiGroups | resources | verbs).",
    "An empty old file stands for a new stack (no RBAC before).",
    `Exit codes: 0 no RBAC change, ${EXIT_RBAC_CHANGED} the RBAC changes (the table printed), 1 bad input (a file missing or invalid), 2 usage error.`,
  ].join("\n"),
  flags: {
    format: { description: "text (a table for a terminal or CI log) or markdown (a merge request note)", value: "<text|markdown>", default: "text" },
  },
  positionals: true,
} as const satisfies CommandSpec;

/** Runs the CLI on its arguments; returns the exit code. */
export function runDiffCli(args: readonly string[], io: CommandIo): number {
  const line = parseCommandLine(RBAC_DIFF_COMMAND, args);
  if (line.kind !== "run") return usageOutcome(RBAC_DIFF_COMMAND, line, formatVersion(buildInfo()), io);
  const format = line.values.format ?? "text";
  if (!Object.hasOwn(FORMATS, format)) return usageError(RBAC_DIFF_COMMAND, [`--format: found ${JSON.stringify(format)}; expected text or markdown`], io);
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
    const diff = diffRbac(plans[0]!, plans[1]!);
    io.out(`${FORMATS[format as keyof typeof FORMATS](diff)}\n`);
    return isEmptyDiff(diff) ? 0 : EXIT_RBAC_CHANGED;
  } catch (err) {
    io.err(`rbac:diff: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_FAILURE;
  }
}

if (require.main === module) {
  process.exitCode = runDiffCli(process.argv.slice(2), {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
  });
}
