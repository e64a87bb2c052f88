/**
 * A small kit to check a value decoded from YAML against a schema written as
 * code, collecting every problem (not just the first) as a message that names
 * the file, the line, the key path, what was found and what was expected.
 * Used by the agent config parser and by the kas agent registry file.
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Pair, type YAMLMap } from "yaml";
import { parseDuration } from "./duration";
import { closest } from "./suggest";

export type PathSegment = string | number;
export type KeyPath = readonly PathSegment[];

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `gitops.manifest_projects[0].prune_timeout`; odd keys are quoted: `a["x.y"]`. */
export function formatPath(path: KeyPath): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) out += out === "" ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** How a found value is shown in a message. */
export function describe(value: unknown): string {
  if (value === null || value === undefined) return "nothing (null)";
  if (typeof value === "string") {
    return value.length > 60 ? `${JSON.stringify(value.slice(0, 57)).slice(0, -1)}..."` : JSON.stringify(value);
  }
  if (typeof value === "number" || typeof value === "bigint") return `the number ${value}`;
  if (typeof value === "boolean") return `the boolean ${value}`;
  if (Array.isArray(value)) return "a list";
  if (value instanceof Date) return "a timestamp";
  if (Buffer.isBuffer(value)) return "binary data";
  if (value instanceof Set) return "a set";
  return "a mapping";
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object") return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Line (1-based) of the key or item at `path` in the source, when known. */
export type Locate = (path: KeyPath) => number | undefined;

/**
 * A Locate over a parsed YAML document: the line of the deepest key of `path`
 * found. Each mapping's keys are indexed on first use, so locating every
 * error of a file is linear in its size (a scan per lookup made a mapping of
 * 16,000 unknown keys take seconds).
 */
export function yamlLocator(doc: Document, lines: LineCounter): Locate {
  const indexes = new WeakMap<YAMLMap, Map<string, Pair>>();
  const pairOf = (map: YAMLMap, key: string): Pair | undefined => {
    let index = indexes.get(map);
    if (index === undefined) {
      index = new Map();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const name = String(pair.key.value);
        if (!index.has(name)) index.set(name, pair);
      }
      indexes.set(map, index);
    }
    return index.get(key);
  };
  return (path) => {
    let node: unknown = doc.contents;
    let offset = startOf(node);
    for (const segment of path) {
      if (isAlias(node)) node = node.resolve(doc);
      if (isMap(node)) {
        const pair = pairOf(node, String(segment));
        if (pair === undefined) break;
        offset = startOf(pair.key) ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === "number") {
        node = node.items[segment];
        offset = startOf(node) ?? offset;
      } else {
        break;
      }
    }
    return offset === undefined ? undefined : lines.linePos(offset).line;
  };
}

function startOf(node: unknown): number | undefined {
  if (node === null || typeof node !== "object" || !("range" in node)) return undefined;
  const range: unknown = node.range;
  return Array.isArray(range) && typeof range[0] === "number" ? range[0] : undefined;
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
 * is absent (undefined or YAML null, as GitLab's protojson decoding treats null)
 * or wrong (after recording an error), so callers apply defaults uniformly and
 * look at `errors` once at the end.
 */
export class Checker {
  readonly errors: string[] = [];
  readonly warnings: string[] = [];
  private readonly errorLines: number[] = [];

  /**
   * @param redact never echo a found string (a file that may hold secrets: say only its length).
   */
  constructor(
    readonly file: string,
    private readonly locate: Locate = () => undefined,
    private readonly redact = false,
  ) {}

  error(path: KeyPath, message: string): void {
    const line = path.length > 0 ? this.locate(path) : undefined;
    const where = line === undefined ? this.file : `${this.file}:${line}`;
    this.errors.push(path.length > 0 ? `${where}: ${formatPath(path)}: ${message}` : `${where}: ${message}`);
    this.errorLines.push(line ?? 0);
  }

  /** The errors in source order (by line; those without a line first). */
  errorsInSourceOrder(): string[] {
    return this.errors
      .map((message, i) => ({ message, line: this.errorLines[i] ?? 0, i }))
      .sort((a, b) => a.line - b.line || a.i - b.i)
      .map((e) => e.message);
  }

  /** `ci_access is not implemented by this agent and is ignored`. */
  warn(path: KeyPath, message: string): void {
    this.warnings.push(`${formatPath(path)} ${message}`);
  }

  mismatch(path: KeyPath, value: unknown, expected: string, secret = false): void {
    const hide = (secret || this.redact) && typeof value === "string";
    const found = hide ? `a string of ${value.length} characters` : describe(value);
    this.error(path, `found ${found}; expected ${expected}`);
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
    if (value === undefined || value === null) return undefined;
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
      const suggestion = closest(key, candidates);
      const hint = suggestion === undefined ? "" : ` (did you mean "${suggestion}"?)`;
      this.error([...path, key], `found unknown key ${JSON.stringify(key)}${hint}; expected one of: ${known.join(", ")}`);
    }
    return value;
  }

  list(value: unknown, path: KeyPath, expected: string): readonly unknown[] | undefined {
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value)) {
      this.mismatch(path, value, `a list of ${expected}`);
      return undefined;
    }
    return value;
  }

  string(value: unknown, path: KeyPath, rule: StringRule = {}): string | undefined {
    if (value === undefined || value === null) return undefined;
    const expected = rule.expected ?? (rule.nonEmpty === true ? "a non-empty string" : "a string");
    const bad =
      typeof value !== "string" ||
      (rule.nonEmpty === true && value === "") ||
      (rule.pattern !== undefined && !rule.pattern.test(value));
    if (bad) {
      const hint = typeof value === "boolean" ? " (quote it: YAML reads unquoted yes/no/on/off/y/n as booleans)" : "";
      this.mismatch(path, value, expected + hint, rule.secret === true);
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
    if (value !== undefined && value !== null) return true;
    this.error(path, `found nothing; expected ${expected}`);
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
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "boolean") {
      this.mismatch(path, value, "true or false");
      return undefined;
    }
    return value;
  }

  /** One of `allowed`; the empty string counts as absent, as in GitLab's schema. */
  oneOf<T extends string>(value: unknown, path: KeyPath, allowed: readonly T[]): T | undefined {
    if (value === undefined || value === null || value === "") return undefined;
    if (typeof value === "string" && (allowed as readonly string[]).includes(value)) return value as T;
    const suggestion = typeof value === "string" ? closest(value, allowed) : undefined;
    const hint = suggestion === undefined ? "" : ` (did you mean "${suggestion}"?)`;
    this.mismatch(path, value, `one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}${hint}`);
    return undefined;
  }

  /** Seconds, from "3600s" / "1h30m" / "500ms"; at least `minSeconds`. */
  duration(value: unknown, path: KeyPath, minSeconds = 0): number | undefined {
    if (value === undefined || value === null) return undefined;
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
