import { isDeepStrictEqual } from "node:util";
import { loadYaml, type LoadResult } from "./yaml-source";
import { fastYaml } from "./yaml-fast";
import { fuzzDocument, prng, repositoryYaml } from "../../../test/yaml-corpus";
import { goCompatibleResolver } from "./yaml-fast-scalar";
import type { KeyPath } from "./key-path";

const full = (text: string): LoadResult => loadYaml(text, "f.yaml", { fastPath: false });

/** Deep equality with -0, NaN and own keys in order (toJS's object key order is what callers iterate). */
function same(a: unknown, b: unknown): boolean {
  if (!isDeepStrictEqual(a, b)) return false;
  if (a === null || typeof a !== "object") return true;
  const [ka, kb] = [Object.keys(a), Object.keys(b as object)];
  return ka.join("\0") === kb.join("\0") && ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** Where the fast path and the library disagree on `text` (undefined: they agree, or the fast path declined). */
function disagreement(text: string): string | undefined {
  const fast = fastYaml(text, goCompatibleResolver());
  if (fast === undefined) return undefined;
  const lib = full(text);
  if (!lib.ok) return `the library fails (${lib.errors.join("; ")}) where the fast path answers ${JSON.stringify(fast)}`;
  return same(fast, lib.value) ? undefined : `fast ${JSON.stringify(fast)} but the library ${JSON.stringify(lib.value)}`;
}

/** Every key path of a plain value. */
function paths(value: unknown, prefix: KeyPath = []): KeyPath[] {
  if (value === null || typeof value !== "object") return [prefix];
  const entries: [string | number, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  return [prefix, ...entries.flatMap(([k, v]) => paths(v, [...prefix, k]))];
}

// The library warns (process.emitWarning) about collection keys some fuzzed documents have: noise here.
beforeAll(() => jest.spyOn(process, "emitWarning").mockImplementation(() => undefined));
afterAll(() => jest.restoreAllMocks());

describe("fastYaml: the yaml library's value or nothing", () => {
  const corpus = repositoryYaml();

  test("every YAML text of the repository (files, Markdown blocks, test literals)", () => {
    expect(corpus.length).toBeGreaterThan(300);
    const wrong = corpus.flatMap(([where, text]) => {
      const d = disagreement(text);
      return d === undefined ? [] : [`${where}: ${d}`];
    });
    expect(wrong).toEqual([]);
    // Most of the texts the library reads as a mapping or a list are in the subset (else the test proves little).
    const collections = corpus.filter(([, text]) => {
      const lib = full(text);
      return lib.ok && typeof lib.value === "object" && lib.value !== null;
    });
    const answered = collections.filter(([, text]) => fastYaml(text, goCompatibleResolver()) !== undefined);
    expect(answered.map(([where]) => where)).toContain("examples/dude-naww/.gitlab/agents/dude-agent/config.yaml");
    expect(answered.length).toBeGreaterThan(collections.length * 0.4);
  });

  test.each([
    [0, 8000],
    [1, 8000],
    [3, 4000],
  ])("seeded fuzzer: %i mutations per document, %i documents", (mutations, count) => {
    const rand = prng(19_000 + mutations);
    let answered = 0;
    let libraryFailed = 0;
    const wrong: string[] = [];
    for (let i = 0; i < count; i++) {
      const text = fuzzDocument(rand, mutations);
      const d = disagreement(text);
      if (d !== undefined) wrong.push(`${JSON.stringify(text)}: ${d}`);
      if (fastYaml(text, goCompatibleResolver()) !== undefined) answered++;
      else if (!full(text).ok) libraryFailed++;
    }
    expect(wrong.slice(0, 5)).toEqual([]);
    // Both sides of the line are exercised: the fast path answers often, and the library rejects documents it declined.
    expect(answered).toBeGreaterThan(count / 20);
    expect(libraryFailed).toBeGreaterThan(count / 50);
  });

  test.each([
    ["a: yes\nb: 0755\nc: ~\nd: 12:30\ne: 0x1F\nf: 1e3\ng: .inf\nh: 1_000\ni: 'x''y'\nj: \"q\"\nk: 0o17\n", { a: true, b: 493, c: null, d: "12:30", e: 31, f: 1000, g: Infinity, h: 1000, i: "x'y", j: "q", k: "0o17" }],
    ["a:\n- 1\n- - 2\n  - 3\n-  x: 1\n   z: 2\nb: # c\n  c: d  # e\n", { a: [1, [2, 3], { x: 1, z: 2 }], b: { c: "d" } }],
    ["# only a comment\n\n", null],
    ["  indented:\n  - {}\n  - []  # c\n  top: x\n", { indented: [{}, []], top: "x" }],
  ])("answers %j", (text, value) => {
    expect(fastYaml(text, goCompatibleResolver())).toEqual(value);
    expect(disagreement(text)).toBeUndefined();
  });

  test.each([
    ["an anchor", "a: &x 1\nb: *x\n"],
    ["a tag", "a: !!str 1\n"],
    ["a flow collection", "a: [1, 2]\n"],
    ["a block scalar", "a: |\n  x\n"],
    ["a multi-line plain scalar", "a: x\n  y\n"],
    ["a tab", "a:\t1\n"],
    ["a duplicate key", "a: 1\na: 2\n"],
    ["a key that is not a string", "yes: 1\n"],
    ["a merge key", "<<: {a: 1}\n"],
    ["a document marker", "---\na: 1\n"],
    ["an escape", 'a: "x\\ny"\n'],
    ["odd indentation", "a:\n  b: 1\n   c: 2\n"],
    ["a top-level scalar", "just text\n"],
    ["CRLF line ends", "a: 1\r\nb: 2\r\n"],
  ])("declines %s", (_what, text) => {
    expect(fastYaml(text, goCompatibleResolver())).toBeUndefined();
  });
});

describe("loadYaml with the fast path", () => {
  test("gives the library's value and positions", () => {
    const texts = repositoryYaml().map(([, text]) => text).filter((text) => fastYaml(text, goCompatibleResolver()) !== undefined && full(text).ok);
    expect(texts.length).toBeGreaterThan(100);
    for (const text of texts) {
      const [fast, lib] = [loadYaml(text, "f.yaml"), full(text)];
      if (!fast.ok || !lib.ok) throw new Error(`not loaded: ${text}`);
      expect(fast.value).toEqual(lib.value);
      for (const p of paths(lib.value)) expect([p, fast.locate(p)]).toEqual([p, lib.locate(p)]);
    }
  });
});
