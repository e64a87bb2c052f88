/**
 * `npm run rbac:diff -- old.yaml new.yaml`: the agent's RBAC change between
 * two stack config files, as a table. Reads files only: no cloud, no Pulumi
 * engine. Exit 0 with the table (or "no RBAC change"), 1 on bad input.
 */
import { diffRbac } from "./diff";
import { planFromStackFile } from "./stack-file";
import { formatDiffTable } from "./table";

const USAGE = `usage: npm run rbac:diff -- <old Pulumi.<stack>.yaml> <new Pulumi.<stack>.yaml>
  Prints the agent's RBAC change (namespace | change | apiGroups | resources | verbs).
  An empty old file stands for a new stack (no RBAC before).`;

export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** Runs the CLI on its arguments; returns the exit code. */
export function runDiffCli(args: readonly string[], io: CliIo): number {
  const files = args.filter((a) => a !== "--");
  if (files.includes("-h") || files.includes("--help")) {
    io.out(USAGE);
    return 0;
  }
  if (files.length !== 2) {
    io.err(`rbac:diff: expected two stack config files, got ${files.length}\n${USAGE}`);
    return 1;
  }
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
    io.out(formatDiffTable(diffRbac(plans[0]!, plans[1]!)));
    return 0;
  } catch (err) {
    io.err(`rbac:diff: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

if (require.main === module) {
  process.exitCode = runDiffCli(process.argv.slice(2), {
    out: (t) => process.stdout.write(`${t}\n`),
    err: (t) => process.stderr.write(`${t}\n`),
  });
}
