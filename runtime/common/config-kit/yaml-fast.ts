/**
 * A fast path for the YAML that config files are made of: block mappings and
 * sequences, one-line plain and quoted scalars, comments. It answers with the
 * value the full parse (loadYaml) would give, or undefined for anything else
 * (anchors, tags, flow collections but an empty {} or [], block and multi-line scalars, escapes,
 * tabs, document markers, duplicate keys, unusual indentation, ...), and then
 * the full parse runs: errors and their positions always come from it.
 * The full parse of a 10-line agent config costs ~0.2 ms, this ~0.01 ms: a
 * commit changing 5000 agents' files spent most of kas's time in the library.
 * yaml-fast.test.ts holds both to the same answer on every YAML file of the
 * repository and on a seeded fuzzer's documents.
 */
import { UNRESOLVED, type PlainResolver } from "./yaml-fast-scalar";

/** Any character but LF, printable ASCII and the BMP's non-surrogate, non-line-separator, non-BOM characters. */
const UNSUPPORTED_CHAR = /[^\n\x20-\x7e\u00a0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]/;
/** Deeper nesting than any config has goes to the full parser (and keeps recursion shallow). */
const MAX_DEPTH = 64;
/** YAML limits implicit keys to 1024 characters; the full parser reports longer ones. */
const MAX_KEY_CHARS = 1000;

/** Thrown inside the parser when the input is outside the subset. */
const OUTSIDE = new Error("outside the fast path's subset");

interface Line {
  readonly indent: number;
  readonly text: string;
}

/** The document's value, or undefined when the full parser must decide. */
export function fastYaml(text: string, resolve: PlainResolver): unknown {
  if (UNSUPPORTED_CHAR.test(text)) return undefined;
  const lines: Line[] = [];
  for (const line of text.split("\n")) {
    let indent = 0;
    while (line.charCodeAt(indent) === 32) indent++;
    if (indent === line.length || line[indent] === "#") continue;
    if (indent === 0 && /^(?:---|\.\.\.|%)/.test(line)) return undefined;
    lines.push({ indent, text: line });
  }
  if (lines.length === 0) return null;
  try {
    const parser = new Parser(lines, resolve);
    const first = lines[0] as Line;
    if (kindAt(first.text, first.indent) === "scalar") return undefined;
    const value = parser.node(first.indent, 0);
    return parser.at === lines.length ? value : undefined;
  } catch {
    return undefined;
  }
}

type Kind = "seq" | "map" | "scalar";

/** What starts at `col`: a sequence entry, a mapping entry (a key and ": "), or a scalar. */
function kindAt(text: string, col: number): Kind {
  if (text[col] === "-" && (col + 1 === text.length || text[col + 1] === " ")) return "seq";
  return keyEnd(text, col) === undefined ? "scalar" : "map";
}

/** The index of the ":" ending a key that starts at `col`, when the line holds a mapping entry there. */
function keyEnd(text: string, col: number): number | undefined {
  const q = text[col];
  let i: number;
  if (q === "'" || q === '"') {
    const after = quotedEnd(text, col);
    if (after === undefined) return undefined;
    i = after;
  } else {
    if (!plainStart(text, col)) return undefined;
    i = col;
    while (i < text.length && !(text[i] === ":" && (i + 1 === text.length || text[i + 1] === " "))) {
      if (text[i] === "#" && text[i - 1] === " ") return undefined;
      i++;
    }
    if (text[i - 1] === " ") return undefined;
  }
  return text[i] === ":" && (i + 1 === text.length || text[i + 1] === " ") ? i : undefined;
}

/** A plain scalar may start here (no indicator; "-" only before a non-space). */
function plainStart(text: string, col: number): boolean {
  const c = text[col] as string;
  if (c === "-") return col + 1 < text.length && text[col + 1] !== " ";
  return !"?:,[]{}#&*!|>'\"%@`".includes(c);
}

/** The index after a one-line quoted scalar's closing quote (no escapes in double quotes), else undefined. */
function quotedEnd(text: string, col: number): number | undefined {
  const q = text[col];
  for (let i = col + 1; i < text.length; i++) {
    if (q === '"' && text[i] === "\\") return undefined;
    if (text[i] !== q) continue;
    if (q === "'" && text[i + 1] === "'") {
      i++;
      continue;
    }
    return i + 1;
  }
  return undefined;
}

class Parser {
  /** The next line to read. */
  at = 0;

  constructor(
    private readonly lines: readonly Line[],
    private readonly resolve: PlainResolver,
  ) {}

  /** The node starting at `col` of the current line. */
  node(col: number, depth: number): unknown {
    if (depth > MAX_DEPTH) throw OUTSIDE;
    const line = this.lines[this.at] as Line;
    const kind = kindAt(line.text, col);
    if (kind === "seq") return this.seq(col, depth);
    if (kind === "map") return this.map(col, depth);
    this.at++;
    return this.scalar(line.text, col, false);
  }

  private seq(indent: number, depth: number): unknown[] {
    const items: unknown[] = [];
    for (;;) {
      const line = this.lines[this.at] as Line;
      let p = indent + 1;
      while (line.text[p] === " ") p++;
      if (p === line.text.length || line.text[p] === "#") items.push(this.below(indent, depth));
      else items.push(this.node(p, depth + 1));
      const next = this.lines[this.at];
      if (next === undefined || next.indent < indent) return items;
      if (next.indent > indent || kindAt(next.text, indent) !== "seq") {
        if (next.indent === indent) return items;
        throw OUTSIDE;
      }
    }
  }

  private map(indent: number, depth: number): Record<string, unknown> {
    const map: Record<string, unknown> = {};
    const seen = new Set<string>();
    for (;;) {
      const { text } = this.lines[this.at] as Line;
      const end = keyEnd(text, indent);
      if (end === undefined || end - indent > MAX_KEY_CHARS) throw OUTSIDE;
      const key = this.scalar(text.slice(0, end), indent, true);
      if (typeof key !== "string" || key === "<<" || seen.has(key)) throw OUTSIDE;
      seen.add(key);
      let p = end + 1;
      while (text[p] === " ") p++;
      let value: unknown;
      if (p === text.length || text[p] === "#") {
        const next = this.lines[this.at + 1];
        value = next !== undefined && next.indent === indent && kindAt(next.text, indent) === "seq" ? (this.at++, this.seq(indent, depth + 1)) : this.below(indent, depth);
      } else {
        if (kindAt(text, p) !== "scalar") throw OUTSIDE;
        this.at++;
        value = this.scalar(text, p, false);
      }
      // As the library's toJS: a key the object already has (from its prototype) becomes an own property.
      if (key in map) Object.defineProperty(map, key, { value, writable: true, enumerable: true, configurable: true });
      else map[key] = value;
      const next = this.lines[this.at];
      if (next === undefined || next.indent < indent) return map;
      if (next.indent > indent) throw OUTSIDE;
    }
  }

  /** The value of an entry whose line ends after its indicator: the node on the lines indented below it, else null. */
  private below(indent: number, depth: number): unknown {
    this.at++;
    const next = this.lines[this.at];
    if (next === undefined || next.indent <= indent) return null;
    return this.node(next.indent, depth + 1);
  }

  /** The one-line scalar at `col`, which must end the line (a comment may follow). */
  private scalar(text: string, col: number, atKey: boolean): unknown {
    const q = text[col];
    let value: unknown;
    let end: number;
    if (!atKey && (text.startsWith("{}", col) || text.startsWith("[]", col))) {
      // The one flow collection configs use everywhere: an empty one (`gitops: {}`).
      value = q === "{" ? {} : [];
      end = col + 2;
    } else if (q === "'" || q === '"') {
      const after = quotedEnd(text, col);
      if (after === undefined) throw OUTSIDE;
      const inner = text.slice(col + 1, after - 1);
      value = q === "'" ? inner.replace(/''/g, "'") : inner;
      end = after;
    } else {
      if (!plainStart(text, col)) throw OUTSIDE;
      end = col;
      while (end < text.length && !(text[end] === "#" && text[end - 1] === " ")) end++;
      // Only spaces: String.trimEnd would also take a no-break space, which YAML keeps.
      while (text[end - 1] === " ") end--;
      const source = text.slice(col, end);
      if (source.endsWith(":") || source.includes(": ")) throw OUTSIDE;
      value = this.resolve(source, atKey);
      if (value === UNRESOLVED) throw OUTSIDE;
      return value;
    }
    if (end < text.length && !/^ +(?:#.*)?$/.test(text.slice(end))) throw OUTSIDE;
    return value;
  }
}
