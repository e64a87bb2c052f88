/**
 * Command lines as kubectl and flux read them: `--flag value` or
 * `--flag=value`, `-h`/`--help` and `--version` on every command, usage
 * errors exit 2 and failures 1. Parsing is node:util.parseArgs; this file
 * adds the help text and errors that name the flag and what it expects.
 * Pure: the caller prints and exits (see `usageOutcome`).
 */
import { parseArgs } from "node:util";

export interface FlagSpec {
  readonly description: string;
  /** A boolean flag takes no value (`--once`). Default: a string. */
  readonly type?: "string" | "boolean";
  /** Repeatable: every occurrence is kept, in order. */
  readonly multiple?: boolean;
  /** The default as --help shows it; the caller applies it (it may come from the environment). */
  readonly default?: string;
  /** The value's placeholder in --help: `--kas-address <url>`. Default `<value>`. */
  readonly value?: string;
  /** `--flag=` (an empty value) is accepted; otherwise it is a usage error. */
  readonly allowEmpty?: boolean;
}

export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

export interface CommandSpec<S extends FlagSpecs = FlagSpecs> {
  /** As typed: `agentk generate`. */
  readonly name: string;
  /** The synopsis after the name: `--config <kas.yaml>`. */
  readonly usage: string;
  /** What the command does, one paragraph. */
  readonly summary: string;
  readonly flags: S;
  /** Positional arguments are accepted (the usage names them); default none. */
  readonly positionals?: boolean;
}

type ValueOf<F extends FlagSpec> = F extends { readonly type: "boolean" } ? boolean : F extends { readonly multiple: true } ? string[] : string;
export type FlagValues<S extends FlagSpecs> = { readonly [K in keyof S]?: ValueOf<S[K]> };

export type CommandLine<S extends FlagSpecs> =
  | { readonly kind: "help"; readonly text: string }
  | { readonly kind: "version" }
  | { readonly kind: "usage-error"; readonly errors: readonly string[] }
  | { readonly kind: "run"; readonly values: FlagValues<S>; readonly positionals: readonly string[] };

/** Usage errors exit 2 (kubectl, flux, getopt); a command that ran and failed exits 1. */
export const EXIT_USAGE = 2;
export const EXIT_FAILURE = 1;

/** Reads `argv` (without the command's own name) against `spec`. */
export function parseCommandLine<S extends FlagSpecs>(spec: CommandSpec<S>, argv: readonly string[]): CommandLine<S> {
  // Before parsing, as kubectl does: `--help` wins over any other mistake on the line.
  const beforeDashDash = argv.slice(0, argv.includes("--") ? argv.indexOf("--") : undefined);
  if (beforeDashDash.some((a) => a === "--help" || a === "-h")) return { kind: "help", text: helpText(spec) };
  if (beforeDashDash.includes("--version")) return { kind: "version" };
  const options: Record<string, { type: "string" | "boolean"; multiple?: boolean }> = {};
  for (const [name, f] of Object.entries(spec.flags)) options[name] = { type: f.type ?? "string", multiple: f.multiple === true };
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: spec.positionals === true });
  } catch (err) {
    return { kind: "usage-error", errors: [explainParseError(spec, err)] };
  }
  const errors: string[] = [];
  for (const [name, value] of Object.entries(parsed.values)) {
    const values = Array.isArray(value) ? value : [value];
    if (!spec.flags[name]?.allowEmpty && values.includes("")) errors.push(`--${name}: empty value; expected ${placeholder(spec.flags[name])}`);
  }
  if (errors.length > 0) return { kind: "usage-error", errors };
  return { kind: "run", values: parsed.values as FlagValues<S>, positionals: parsed.positionals };
}

function explainParseError(spec: CommandSpec, err: unknown): string {
  const code = (err as { code?: unknown }).code;
  const message = err instanceof Error ? err.message : String(err);
  const flag = /'(-{1,2}[^ ']+)/.exec(message)?.[1] ?? "";
  const name = flag.replace(/^-+/, "");
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `unknown flag ${flag} (known: ${Object.keys(spec.flags).map((k) => `--${k}`).join(", ")}, --help, --version)`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE": {
      const f = spec.flags[name];
      if (f?.type === "boolean") return `${flag} takes no value`;
      return `${flag} needs a value: ${flag} ${placeholder(f)} or ${flag}=${placeholder(f)}`;
    }
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return `unexpected argument ${JSON.stringify(/'([^']*)'/.exec(message)?.[1] ?? message)}: every value follows its flag`;
    default:
      return message;
  }
}

const placeholder = (f: FlagSpec | undefined): string => f?.value ?? "<value>";

/** `--help`: usage, summary, then every flag with its value, description and default. */
export function helpText(spec: CommandSpec): string {
  const rows: Array<[string, string]> = Object.entries(spec.flags).map(([name, f]) => [
    `    --${name}${f.type === "boolean" ? "" : ` ${placeholder(f)}`}`,
    `${f.description}${f.multiple ? " (repeatable)" : ""}${f.default !== undefined ? ` (default ${JSON.stringify(f.default)})` : ""}`,
  ]);
  rows.push(["-h, --help", "Show this help and exit"], ["    --version", "Print the version and exit"]);
  const width = Math.max(...rows.map(([left]) => left.length));
  const flags = rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`);
  return `Usage:\n  ${spec.name} ${spec.usage}\n\n${spec.summary}\n\nFlags:\n${flags.join("\n")}\n`;
}

export interface CommandIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** Prints what a help, version or bad command line asks for; returns the exit code. */
export function usageOutcome(spec: CommandSpec, line: Exclude<CommandLine<FlagSpecs>, { kind: "run" }>, version: string, io: CommandIo): number {
  switch (line.kind) {
    case "help":
      io.out(line.text);
      return 0;
    case "version":
      io.out(`${spec.name} ${version}\n`);
      return 0;
    case "usage-error":
      return usageError(spec, line.errors, io);
  }
}

/** Prints usage errors, each on its line, and a pointer to --help; returns EXIT_USAGE. */
export function usageError(spec: CommandSpec, errors: readonly string[], io: CommandIo): number {
  io.err(`${spec.name}: ${errors.join(`\n${spec.name}: `)}\nRun '${spec.name} --help' for usage.\n`);
  return EXIT_USAGE;
}
