/**
 * The one config reader: checks a value decoded from YAML (or JSON) against a
 * schema written as code, collecting every problem (not just the first), each
 * naming the file, the position when the source is YAML, the key path, what
 * was found and what was expected. Used for kas.yaml, the agent config.yaml,
 * kas's agent registry file and the Pulumi stack config; a Wording keeps the
 * sentences each of them has always printed.
 */
import { describe, isPlainObject, type DescribeOptions } from "./describe";
import { parseDuration } from "./duration";
import { formatPath, type KeyPath } from "./key-path";
import { nowhere, type Locate, type Position } from "./locate";
import { closest } from "./suggest";

/** How one kind of config words its problems (the texts people and tests know). */
export interface Wording {
  readonly describe: DescribeOptions;
  /** `expected Y, found X` instead of `found X; expected Y`. */
  readonly expectedFirst: boolean;
  /** Allowed values quoted (`"a", "b"`) or bare (`a, b`). */
  readonly quoteChoices: boolean;
  /** `file:line:col:` instead of `file:line:`. */
  readonly columns: boolean;
}

/** `.gitlab/agents/<name>/config.yaml` and the registry file: `file:3: key: found X; expected Y`. */
export const AGENT_CONFIG_WORDING: Wording = { describe: {}, expectedFirst: false, quoteChoices: true, columns: false };
/** kas.yaml: `file:3:7: key: expected Y, found string "x"`. */
export const KAS_CONFIG_WORDING: Wording = { describe: { typed: true }, expectedFirst: true, quoteChoices: false, columns: true };
/**
 * The Pulumi stack config (read through Pulumi, so no positions): `key: found null; expected Y`;
 * a name is shown whole up to a DNS subdomain's 253 characters, so "at most 63" can be checked by eye.
 */
export const STACK_CONFIG_WORDING: Wording = { describe: { nullAs: "null", maxChars: 253 }, expectedFirst: false, quoteChoices: false, columns: false };

export interface ReaderOptions {
  /** Positions of key paths in the source (see yamlLocator). Default: none. */
  readonly locate?: Locate;
  /** Never echo a found string (a file that may hold secrets: say only its length). */
  readonly redact?: boolean;
  /**
   * YAML null (and, for a choice, the empty string) reads as absent (default),
   * as GitLab's protojson decoding treats them. The stack config says `found null`
   * instead: there, null is a value someone wrote.
   */
  readonly nullIsAbsent?: boolean;
  readonly wording?: Wording;
}

/** One problem, with what was found and expected when it is a mismatch. */
export interface Problem {
  readonly path: KeyPath;
  readonly position?: Position;
  readonly found?: string;
  readonly expected?: string;
  /** The sentence after the key path. */
  readonly text: string;
  /** The whole message: `file:line: key: text`. */
  readonly message: string;
}

export interface StringRule {
  /** Wording of the expectation, e.g. "a project path such as group/project". */
  readonly expected?: string;
  readonly nonEmpty?: boolean;
  readonly pattern?: RegExp;
  /** Never echo the value (hashes, secrets): describe only its length. */
  readonly secret?: boolean;
}

/**
 * Collects errors and warnings. Every getter returns `undefined` when the value
 * is absent (undefined, or null unless `nullIsAbsent` is false) or wrong (after
 * recording an error), so callers apply defaults uniformly and look at `errors`
 * (or `problems`) once at the end.
 */
export class Checker {
  readonly problems: Problem[] = [];
  readonly errors: string[] = [];
  readonly warnings: string[] = [];
  readonly wording: Wording;
  private readonly locate: Locate;
  private readonly redact: boolean;
  private readonly nullIsAbsent: boolean;

  constructor(
    readonly file: string,
    options: ReaderOptions = {},
  ) {
    this.locate = options.locate ?? nowhere;
    this.redact = options.redact ?? false;
    this.nullIsAbsent = options.nullIsAbsent ?? true;
    this.wording = options.wording ?? AGENT_CONFIG_WORDING;
  }

  error(path: KeyPath, text: string, detail: { readonly found?: string; readonly expected?: string } = {}): void {
    const position = path.length > 0 ? this.locate(path) : undefined;
    let where = this.file;
    if (position !== undefined) where += this.wording.columns ? `:${position.line}:${position.col}` : `:${position.line}`;
    const message = path.length > 0 ? `${where}: ${formatPath(path)}: ${text}` : `${where}: ${text}`;
    this.problems.push({ path, position, ...detail, text, message });
    this.errors.push(message);
  }

  /** The errors in source order (by position; those without one first). */
  errorsInSourceOrder(): string[] {
    const at = ({ position }: Problem): number => (position === undefined ? 0 : position.line * 1e6 + (this.wording.columns ? position.col : 0));
    return this.problems
      .map((problem, i) => ({ problem, i }))
      .sort((a, b) => at(a.problem) - at(b.problem) || a.i - b.i)
      .map((e) => e.problem.message);
  }

  private absent(value: unknown): value is undefined | null {
    return value === undefined || (value === null && this.nullIsAbsent);
  }

  /** How a found value reads in this config's messages. */
  describe(value: unknown): string {
    return describe(value, this.wording.describe);
  }

  /** `one of "a", "b"` or `one of a, b`, with a "did you mean" for a near miss. */
  choices(allowed: readonly string[], value?: unknown): string {
    const list = this.wording.quoteChoices ? allowed.map((a) => JSON.stringify(a)) : allowed;
    const suggestion = typeof value === "string" ? closest(value, allowed) : undefined;
    return `one of ${list.join(", ")}${suggestion === undefined ? "" : ` (did you mean "${suggestion}"?)`}`;
  }

  /** `ci_access is not implemented by this agent and is ignored`. */
  warn(path: KeyPath, message: string): void {
    this.warnings.push(`${formatPath(path)} ${message}`);
  }

  /** A value that is not what was expected; `found` words it when describing the value would not say enough. */
  mismatch(path: KeyPath, value: unknown, expected: string, options: { readonly secret?: boolean; readonly found?: string } = {}): undefined {
    const hide = (options.secret === true || this.redact) && typeof value === "string";
    const found = options.found ?? (hide ? `a string of ${value.length} characters` : this.describe(value));
    this.error(path, this.wording.expectedFirst ? `expected ${expected}, found ${found}` : `found ${found}; expected ${expected}`, { found, expected });
    return undefined;
  }

  /**
   * A mapping whose keys are all in `known`; keys in `ignored` are accepted
   * with a warning (sections GitLab defines that this agent does not implement).
   */
  mapping(
    value: unknown,
    path: KeyPath,
    known: readonly string[],
    ignored: readonly string[] = [],
  ): Record<string, unknown> | undefined {
    if (this.absent(value)) return undefined;
    if (!isPlainObject(value)) {
      this.mismatch(path, value, `a mapping with keys ${known.join(", ")}`);
      return undefined;
    }
    let candidates: readonly string[] | undefined;
    for (const key of Object.keys(value)) {
      if (known.includes(key)) continue;
      if (ignored.includes(key)) {
        this.warn([...path, key], "is not implemented by this agent and is ignored");
        continue;
      }
      if (this.redact && (key.length > 32 || key.includes("glagent"))) {
        this.error(path, `found an unknown key of ${key.length} characters; expected only: ${known.join(", ")}`);
        continue;
      }
      candidates ??= [...known, ...ignored];
      this.unknownKey([...path, key], known, closest(key, candidates));
    }
    return value;
  }

  private unknownKey(path: KeyPath, known: readonly string[], suggestion: string | undefined): void {
    const key = String(path[path.length - 1]);
    const hint = suggestion === undefined ? "" : ` (did you mean "${suggestion}"?)`;
    const text = this.wording.expectedFirst
      ? `unknown key (known: ${known.join(", ")})${hint}`
      : `found unknown key ${JSON.stringify(key)}${hint}; expected one of: ${known.join(", ")}`;
    this.error(path, text, { found: "an unknown key", expected: `one of ${known.join(", ")}` });
  }

  /**
   * A mapping that must be there (absent is an error too), worded by `expected`;
   * with `known` "any", its keys are names the caller checks.
   */
  object(value: unknown, path: KeyPath, known: readonly string[] | "any", expected: string): Record<string, unknown> | undefined {
    if (!isPlainObject(value)) return this.mismatch(path, value, expected);
    return known === "any" ? value : this.mapping(value, path, known);
  }

  list(value: unknown, path: KeyPath, expected: string): readonly unknown[] | undefined {
    if (this.absent(value)) return undefined;
    if (!Array.isArray(value)) {
      this.mismatch(path, value, `a list of ${expected}`);
      return undefined;
    }
    return value;
  }

  string(value: unknown, path: KeyPath, rule: StringRule = {}): string | undefined {
    if (this.absent(value)) return undefined;
    const expected = rule.expected ?? (rule.nonEmpty === true ? "a non-empty string" : "a string");
    const bad =
      typeof value !== "string" ||
      (rule.nonEmpty === true && value === "") ||
      (rule.pattern !== undefined && !rule.pattern.test(value));
    if (bad) {
      const hint = typeof value === "boolean" ? " (quote it: YAML reads unquoted yes/no/on/off/y/n as booleans)" : "";
      this.mismatch(path, value, expected + hint, { secret: rule.secret === true });
      return undefined;
    }
    return value;
  }

  /** The items of a list that are mappings with `known` keys, with their paths; other items are errors. */
  entries(items: readonly unknown[], path: KeyPath, known: readonly string[]): { entry: Record<string, unknown>; path: KeyPath }[] {
    const out: { entry: Record<string, unknown>; path: KeyPath }[] = [];
    items.forEach((item, i) => {
      const itemPath = [...path, i];
      if (item === null) this.mismatch(itemPath, item, `a mapping with keys ${known.join(", ")}`);
      const entry = this.mapping(item, itemPath, known);
      if (entry !== undefined) out.push({ entry, path: itemPath });
    });
    return out;
  }

  /** False (and an error) when a required value is absent. */
  required(value: unknown, path: KeyPath, expected: string): boolean {
    if (!this.absent(value)) return true;
    this.mismatch(path, value, expected, { found: "nothing" });
    return false;
  }

  /** A list of strings each matching `rule`; with `minItems`, an empty list is an error too. */
  strings(value: unknown, path: KeyPath, rule: StringRule = {}, minItems = 0): string[] | undefined {
    const items = this.list(value, path, "strings");
    if (items === undefined) return undefined;
    if (items.length < minItems) {
      this.error(path, `found an empty list; expected at least ${minItems} ${rule.expected ?? "string"}`);
      return undefined;
    }
    const out: string[] = [];
    items.forEach((item, i) => {
      if (item === null) this.mismatch([...path, i], item, rule.expected ?? "a string");
      const text = this.string(item, [...path, i], rule);
      if (text !== undefined) out.push(text);
    });
    return out.length === items.length ? out : undefined;
  }

  boolean(value: unknown, path: KeyPath): boolean | undefined {
    if (this.absent(value)) return undefined;
    if (typeof value !== "boolean") {
      this.mismatch(path, value, "true or false");
      return undefined;
    }
    return value;
  }

  /** One of `allowed`; the empty string counts as absent, as in GitLab's schema. */
  oneOf<T extends string>(value: unknown, path: KeyPath, allowed: readonly T[]): T | undefined {
    if (this.absent(value) || (value === "" && this.nullIsAbsent)) return undefined;
    if (typeof value === "string" && (allowed as readonly string[]).includes(value)) return value as T;
    this.mismatch(path, value, this.choices(allowed, value));
    return undefined;
  }

  /** A whole number of at least `min`. */
  integer(value: unknown, path: KeyPath, min: number, expected = `a whole number of at least ${min}`): number | undefined {
    if (this.absent(value)) return undefined;
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) return this.mismatch(path, value, expected);
    return value;
  }

  /** Seconds, from "3600s" / "1h30m" / "500ms"; at least `minSeconds`. */
  duration(value: unknown, path: KeyPath, minSeconds = 0): number | undefined {
    if (this.absent(value)) return undefined;
    const expected =
      minSeconds > 0 ? `a duration of at least ${minSeconds}s such as "300s" or "5m"` : `a duration such as "3600s" or "1h30m"`;
    const seconds = typeof value === "string" ? parseDuration(value) : undefined;
    if (seconds === undefined || seconds < minSeconds) {
      const unitHint = typeof value === "number" ? " (a number needs a unit)" : "";
      this.mismatch(path, value, expected + unitHint);
      return undefined;
    }
    return seconds;
  }
}
