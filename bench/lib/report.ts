/** Results: one JSON file per benchmark under bench/results, and a markdown table on stdout. */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export const RESULTS_DIR = path.resolve(__dirname, "..", "results");

export interface Machine {
  readonly cores: number;
  readonly memoryGiB: number;
  readonly node: string;
  readonly go: string;
  readonly kernel: string;
  /** 1-minute load average when the benchmark started: a busy machine shows here. */
  readonly loadAvg1m: number;
}

export function machine(): Machine {
  let go = "not found";
  try {
    go = execFileSync("go", ["version"], { encoding: "utf8" }).trim().split(" ")[2] ?? go;
  } catch {
    // no Go on PATH: the cluster binary may still be cached
  }
  return {
    cores: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    go,
    kernel: os.release(),
    loadAvg1m: Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
  };
}

/** The product code measured: HEAD and the files under runtime/ that differ from it. */
export function sourceState(): { commit: string; uncommittedRuntimeFiles: string[] } {
  const root = path.resolve(__dirname, "..", "..");
  // Not trimmed: a porcelain line starts with its status columns, a space among them (" M runtime/...").
  const git = (args: string[]) => execFileSync("git", args, { cwd: root, encoding: "utf8" });
  try {
    const changed = git(["status", "--porcelain", "--", "runtime"]).split("\n").filter(Boolean);
    return { commit: git(["rev-parse", "--short", "HEAD"]).trim(), uncommittedRuntimeFiles: changed.map((l) => l.slice(3)) };
  } catch {
    return { commit: "unknown", uncommittedRuntimeFiles: [] };
  }
}

export interface Aim {
  readonly what: string;
  readonly target: string;
  readonly measured: string;
  readonly met: boolean;
}

export interface Table {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

export interface BenchResult {
  readonly name: string;
  readonly title: string;
  /** How it was measured (parameters that matter to read the numbers). */
  readonly method: Readonly<Record<string, unknown>>;
  readonly tables: readonly Table[];
  readonly aims: readonly Aim[];
  readonly notes: readonly string[];
  /** Raw numbers for anyone who wants to look again. */
  readonly raw: unknown;
}

export function markdownTable(t: Table): string {
  const esc = (s: string) => s.replace(/\|/g, "\\|");
  const lines = [`| ${t.columns.map(esc).join(" | ")} |`, `| ${t.columns.map(() => "---").join(" | ")} |`];
  for (const r of t.rows) lines.push(`| ${r.map(esc).join(" | ")} |`);
  return lines.join("\n");
}

export function renderResult(r: BenchResult): string {
  const parts = [`### ${r.name}: ${r.title}`, ""];
  for (const t of r.tables) parts.push(markdownTable(t), "");
  if (r.aims.length > 0) {
    parts.push(markdownTable({ columns: ["aim", "target", "measured", "met"], rows: r.aims.map((a) => [a.what, a.target, a.measured, a.met ? "yes" : "**no**"]) }), "");
  }
  for (const n of r.notes) parts.push(`- ${n}`);
  return parts.join("\n").trimEnd() + "\n";
}

/** `<name>.json`; a run with --profile writes `<name>.profile.json` (profiling slows what it measures). */
export function writeResult(r: BenchResult, m: Machine, startedAt: Date, seconds: number, profiled = false): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${r.name}${profiled ? ".profile" : ""}.json`);
  writeFileSync(file, JSON.stringify({ date: startedAt.toISOString(), seconds: Math.round(seconds), machine: m, loadAvg1mAtEnd: Math.round((os.loadavg()[0] ?? 0) * 100) / 100, source: sourceState(), ...r }, null, 2) + "\n");
  return file;
}
