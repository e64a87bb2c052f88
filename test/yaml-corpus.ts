/**
 * Test inputs for the YAML fast path's tests (runtime/common/config-kit/yaml-fast.test.ts,
 * runtime/kas/agentcfg/fast-path.test.ts): every YAML text the repository holds
 * (YAML files, ```yaml blocks of its Markdown, string literals of its
 * TypeScript that look like YAML), and a seeded fuzzer's documents near the
 * fast path's subset. Test support only: nothing in kas or agentk imports it.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..");

/** [where, text] for every YAML text found in the repository's tracked files (each document of a multi-document text also alone). */
export function repositoryYaml(): [string, string][] {
  const files = execFileSync("git", ["ls-files"], { cwd: ROOT, encoding: "utf8" }).split("\n").filter(Boolean);
  const found: [string, string][] = [];
  const add = (where: string, text: string): void => {
    found.push([where, text]);
    const docs = text.split(/^---[^\n]*$/m);
    if (docs.length > 1) docs.forEach((doc, i) => found.push([`${where} (document ${i + 1})`, doc]));
  };
  for (const file of files) {
    const read = (): string => readFileSync(path.join(ROOT, file), "utf8");
    if (/\.ya?ml$/.test(file)) add(file, read());
    else if (file.endsWith(".md")) {
      for (const [i, m] of [...read().matchAll(/^```ya?ml\n([\s\S]*?)^```/gm)].entries()) add(`${file} yaml block ${i + 1}`, m[1] as string);
    } else if (file.endsWith(".ts") && !file.includes("node_modules")) {
      for (const [i, text] of tsLiterals(read()).entries()) add(`${file} literal ${i + 1}`, text);
    }
  }
  return found;
}

/** String literals that hold a line break and a "key:" (JSON-style double-quoted ones, and backquoted ones without substitutions). */
function tsLiterals(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(/"(?:[^"\\\n]|\\.)*"/g)) {
    if (!m[0].includes("\\n") || !m[0].includes(":")) continue;
    try {
      out.push(JSON.parse(m[0]) as string);
    } catch {
      // Not JSON-compatible escapes: not a YAML fixture.
    }
  }
  for (const m of source.matchAll(/`((?:[^`\\$]|\\[\s\S]|\$(?!\{))*)`/g)) {
    const body = m[1] as string;
    if (body.includes("\n") && /\w:/.test(body)) out.push(body.replace(/\\([\\`$nt])/g, (_, c: string) => ({ n: "\n", t: "\t" })[c] ?? c));
  }
  return out;
}

/** A small seeded PRNG (mulberry32): the same documents every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Scalars where YAML 1.1, Go and the yaml library could disagree, and characters that end the fast path. */
const SCALARS = [
  "0o17", "1_000", "~", "Yes", "yes", "YES", "yEs", "NO", "n", "N", "y", "Y", "on", "On", "Off", "OFF", "true", "False", "TRUE", "tRue",
  "null", "Null", "NULL", "nULL", ".inf", "-.Inf", "+.INF", ".NaN", ".nan", "0x1F", "0x_1F", "-0x1f", "0X1F", "1e3", "1E3", "1.5e-3", "+12", "-0",
  "0", "00", "08", "0755", "-0755", "+0755", "0b101", "0b", "0x", "0o", "0b_1", "12:30", "1:20:30", "-1:30", "1:30.5", "2001-12-14", "2001-12-14t21:59:43.10-05:00",
  ".5", "5.", "1.", "+.5", "-.5", "1__0", "1_", "_1", "1,000", "9007199254740993", "123456789012345678901234567890", "1e400", "-1e400", "0.0", "-0.0",
  "-", "--", "---", "...", "-x", "--x", "a-", "key: value", "a#b", "a #b", "a: b", "a:b", "a::", "http://x:80/y", "x:", ":x", "?x", "? x",
  "'q'", "'it''s'", "''", "\"q\"", "\"\"", "\"a'b\"", "'a\"b'", "a'b", "a\"b", "'#'", "' # '", "'a: b'", "\"- x\"",
  "ü", "日本", "a\u00a0", "a\u00a0b", "a,b", "a[b]", "a{b}", "a]", "a|b", "a>b", "a&b", "a*b", "a!b", "{}", "[]", "{} # c",
  "x ", "a  # c", "a# c", "__proto__", "constructor", "toString", "hasOwnProperty", "Infinity", "NaN", "1e", "0x1G", "08.5", "0.1.2",
];
/** Scalars outside the subset or invalid: the fast path must decline each (the library may accept or reject it). */
const EDGE_SCALARS = [
  "'a", "'", "\"a\\\"b\"", "\"a\\nb\"", "\u00a0a", "😀", "[a]", "{a}", "*x", "&x", "!x", "!!str x", "|", ">", "|-", "%x", "@x", "`x",
  " x", "", "  ", "a\tb", "<<", "x".repeat(1030), "{ }", "[1]", "{a: 1}", "? x", "- x",
];
const KEYS = ["id", "gitops", "paths", "glob", "level", "a", "b", "key", "x", "name", "'q'", "\"d\"", "'<<'", "a b", "ü", "k#", "-k", "'yes'", "a,b", "constructor", "toString"];
const EDGE_KEYS = ["yes", "no", "on", "y", "1", "0x1", "~", "null", "__proto__", "<<", "a:b", "k ", "'a'b", "[k]", "{k}", "&k", "*k", "!k"];
const INSERTS = [" ", "  ", "\t", "#", " #", ":", ": ", "-", "- ", "'", "\"", "\n", "\r", "\r\n", "&a ", "*a", "!t ", "|", ">", "{", "}", "[", "]", ",", "?", "? ", "%", "\\", "\u00a0", "\ufeff", "\u2028", "\u0085", "---\n", "...\n", "\u0000"];

/** A document of block mappings and sequences (mostly in the fast path's subset), then `mutations` random edits. */
export function fuzzDocument(rand: () => number, mutations: number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const scalar = (): string => {
    const r = rand();
    return r < 0.05 ? pick(EDGE_SCALARS) : r < 0.6 ? pick(SCALARS) : pick(["fleet-", "v", "a/b", "/m/**/*.yaml", "x y"]) + String(Math.floor(rand() * 100));
  };
  const key = (): string => (rand() < 0.05 ? pick(EDGE_KEYS) : pick(KEYS));
  const comment = (): string => (rand() < 0.15 ? pick([" # c", "  #", " #: x", " # - y"]) : "");
  const lines: string[] = [];
  const node = (indent: number, depth: number): void => {
    const pad = " ".repeat(indent);
    const step = rand() < 0.85 ? 2 : pick([1, 3, 4]);
    if (depth > 3 || rand() < 0.2) return void lines.push(pad + scalar() + comment());
    if (rand() < 0.5) {
      for (let i = 0, n = 1 + Math.floor(rand() * 4); i < n; i++) {
        const k = pad + key() + ":";
        const r = rand();
        if (r < 0.55) {
          lines.push(`${k} ${scalar()}${comment()}`);
          continue;
        }
        lines.push(k + comment());
        if (r < 0.65) continue;
        if (r < 0.8) seq(indent, depth + 1);
        else node(indent + step, depth + 1);
      }
    } else seq(indent, depth);
  };
  const seq = (indent: number, depth: number): void => {
    for (let i = 0, n = 1 + Math.floor(rand() * 3); i < n; i++) {
      const r = rand();
      const pad = " ".repeat(indent);
      if (r < 0.4) lines.push(`${pad}- ${scalar()}${comment()}`);
      else if (r < 0.7) lines.push(`${pad}- ${key()}: ${scalar()}`, `${pad}  ${key()}: ${scalar()}`);
      else if (r < 0.8) lines.push(`${pad}-${comment()}`);
      else {
        lines.push(`${pad}-`);
        node(indent + 2, depth + 1);
      }
    }
  };
  node(0, 0);
  let text = lines.join("\n") + (rand() < 0.8 ? "\n" : "");
  for (let m = 0; m < mutations; m++) {
    const at = Math.floor(rand() * (text.length + 1));
    const r = rand();
    if (r < 0.5) text = text.slice(0, at) + pick(INSERTS) + text.slice(at);
    else if (r < 0.75) text = text.slice(0, at) + text.slice(at + 1 + Math.floor(rand() * 3));
    else {
      const all = text.split("\n");
      const i = Math.floor(rand() * all.length);
      all.splice(i, 0, rand() < 0.5 ? (all[i] ?? "") : " ".repeat(Math.floor(rand() * 5)) + pick(["# c", "#", "", " "]));
      text = all.join("\n");
    }
  }
  return text;
}
