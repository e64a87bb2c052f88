/**
 * A rejected commit as a person reads it: one entry per file (what the file
 * is, when recognised, then its first problems), a bounded number of files,
 * and how much was left out. A glob that picked up a Helm chart was one error
 * of 20 KB, 109 of its messages YAML syntax errors of one template.
 */
import type { ManifestError } from "./types";

/** Problems shown per file; the rest of the file's are counted. */
export const PROBLEMS_PER_FILE = 3;
/** Files given an entry; the rest are counted. */
export const FILES_PER_REPORT = 10;
/** A YAML error can quote a whole long line. */
const MAX_PROBLEM_CHARS = 200;

export function reportByFile(errors: readonly ManifestError[]): string[] {
  const byFile = new Map<string, { hint?: ManifestError; problems: ManifestError[] }>();
  const notes: string[] = [];
  for (const e of errors) {
    if (e.role === "more") {
      notes.push(e.problem);
      continue;
    }
    const entry = byFile.get(e.file) ?? { problems: [] };
    byFile.set(e.file, entry);
    if (e.role === "hint") entry.hint ??= e;
    else entry.problems.push(e);
  }
  const entries = [...byFile].slice(0, FILES_PER_REPORT).map(([file, { hint, problems }]) => fileEntry(file, hint, problems));
  const unreported = byFile.size - FILES_PER_REPORT;
  if (unreported > 0) entries.push(`${unreported} more file(s) with problems not listed`);
  return [...entries, ...notes];
}

/**
 * `<lead> (N problems, first: a; b; c; and M more)`, where the lead is the hint,
 * else a problem of the whole file (`the rest of the file was not read`);
 * without a lead, `<file>: N problems: a; b; c; and M more`, or the one problem.
 */
function fileEntry(file: string, hint: ManifestError | undefined, all: readonly ManifestError[]): string {
  const lead = hint ?? all.find((p) => p.index === undefined);
  const problems = all.filter((p) => p !== lead);
  const shown = problems.slice(0, PROBLEMS_PER_FILE).map((p) => clip(p.message.slice(file.length + 2)));
  const total = problems.length + (hint?.omitted ?? 0);
  const rest = total - shown.length;
  const list = `${shown.join("; ")}${rest > 0 ? `; and ${rest} more` : ""}`;
  const count = `${total} problem${total === 1 ? "" : "s"}`;
  if (lead) return `${lead.message}${total > 0 ? ` (${count}, first: ${list})` : ""}`;
  return problems.length === 1 ? clip(problems[0]!.message) : `${file}: ${count}: ${list}`;
}

const clip = (text: string): string => (text.length > MAX_PROBLEM_CHARS ? `${text.slice(0, MAX_PROBLEM_CHARS - 1)}…` : text);
