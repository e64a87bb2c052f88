import type { SourceFile } from "../../rpc/object-stream";
import { decodeFile, MAX_LISTED_ERRORS, parseManifests, splitApiVersion, type Decode, type ManifestObject } from "./index";
import { manifestError } from "./errors";
import { cases } from "./testdata/fixtures";

const file = (path: string, text: string | Buffer): SourceFile => ({ path, data: Buffer.isBuffer(text) ? text : Buffer.from(text) });

function objects(files: SourceFile[]): ManifestObject[] {
  const result = parseManifests(files);
  if ("errors" in result) throw new Error(result.errors.map((e) => e.message).join("\n"));
  return result.objects;
}

function errors(files: SourceFile[]): string[] {
  const result = parseManifests(files);
  if (!("errors" in result)) throw new Error(`expected errors, got ${result.objects.length} objects`);
  return result.errors.map((e) => e.message);
}

const ids = (objs: ManifestObject[]) => objs.map((o) => `${o.source.file}#${o.source.index}${o.source.item ? `/${o.source.item}` : ""} ${o.apiVersion} ${o.kind} ${o.namespace ?? "-"}/${o.name}`);

describe("parseManifests: what is read", () => {
  test.each([
    {
      name: "multi-document YAML; empty and comment-only documents are skipped but counted",
      files: [
        file(
          "manifests/dude.yaml",
          `# the dude's app
---
apiVersion: v1
kind: Namespace
metadata: {name: dude}
---
# nothing here
---
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: dude
`,
        ),
      ],
      want: ["manifests/dude.yaml#0 v1 Namespace -/dude", "manifests/dude.yaml#3 apps/v1 Deployment dude/web"],
    },
    {
      name: "JSON by extension, one object per file; an empty file holds none",
      files: [
        file("a/cm.json", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"dude"},"data":{"k":"v"}}`),
        file("a/empty.json", "  \n"),
        file("a/empty.yaml", ""),
      ],
      want: ["a/cm.json#0 v1 ConfigMap dude/c"],
    },
    {
      name: "kind: List and other lists expand their items, in order",
      files: [
        file(
          "list.yaml",
          `apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}
- apiVersion: v1
  kind: ConfigMapList
  items:
  - {apiVersion: v1, kind: ConfigMap, metadata: {name: b}}
---
apiVersion: v1
kind: SecretList
items: []
`,
        ),
      ],
      want: ["list.yaml#0/items[0] v1 ConfigMap -/a", "list.yaml#0/items[1].items[0] v1 ConfigMap -/b"],
    },
    {
      name: "a custom kind ending in List without top-level items is an object",
      files: [file("p.yaml", "apiVersion: music.example.com/v1\nkind: PlayList\nmetadata: {name: jazz}\nspec: {items: [a]}\n")],
      want: ["p.yaml#0 music.example.com/v1 PlayList -/jazz"],
    },
    {
      name: "an empty namespace means none",
      files: [file("n.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: ''}\n")],
      want: ["n.yaml#0 v1 ConfigMap -/c"],
    },
  ])("$name", ({ files, want }) => {
    expect(ids(objects(files))).toEqual(want);
  });

  test("group and version come from apiVersion", () => {
    const [dep, ns] = objects([file("x.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: ns1}\n")]);
    expect(dep).toMatchObject({ apiVersion: "apps/v1", group: "apps", version: "v1", kind: "Deployment", name: "w" });
    expect(ns).toMatchObject({ group: "", version: "v1" });
  });
});

describe("parseManifests: the body is the manifest exactly as written", () => {
  const yaml = `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  annotations: {note: "keep me"}
data:
  when: 2024-01-01
  clock: 12:30
  mode: "0755"
  base: &b {x: "1"}
extra:
  <<: *b
  enabled: yes
  perms: 0755
`;
  const [obj] = objects([file("cm.yaml", yaml)]);

  test("values as Go's YAML 1.1 decoder reads them: dates and clock times stay strings, yes is true, 0755 is octal", () => {
    expect(obj?.body).toEqual({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "settings", annotations: { note: "keep me" } },
      data: { when: "2024-01-01", clock: "12:30", mode: "0755", base: { x: "1" } },
      extra: { x: "1", enabled: true, perms: 493 },
    });
  });

  test("no default, no status, no field added; and the body cannot be changed", () => {
    expect(Object.keys(obj?.body ?? {})).toEqual(["apiVersion", "kind", "metadata", "data", "extra"]);
    expect(Object.isFrozen(obj?.body)).toBe(true);
    expect(Object.isFrozen(obj?.body.metadata)).toBe(true);
    expect(() => {
      (obj?.body.metadata as Record<string, unknown>).namespace = "x";
    }).toThrow(TypeError);
  });
});

interface ErrorCase {
  readonly case: string;
  readonly files: Record<string, string>;
  readonly want: string[];
}

const errorCases = cases<ErrorCase>("parse-errors.yaml");

describe("parseManifests: errors reject the commit, all of them, each naming file, document and field", () => {
  test.each(errorCases)("$case", ({ files, want }) => {
    expect(errors(Object.entries(files).map(([path, text]) => file(path, text)))).toEqual(want);
  });

  test.each([
    {
      name: "a syntax error the parser reports at some line",
      files: [file("other.yml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n")],
      want: /^other\.yml: document 0: line \d+: invalid YAML: /,
    },
    { name: "JSON without a position in the parser's message", files: [file("y.JSON", "[1,")], want: /^y\.JSON: document 0: invalid JSON: / },
    {
      name: "bytes that are not UTF-8",
      files: [file("bin.yaml", Buffer.from([0x61, 0x3a, 0x20, 0xff, 0xfe]))],
      want: /^bin\.yaml: found bytes that are not UTF-8; expected a UTF-8 text file$/,
    },
    {
      name: "too many aliases (billion laughs)",
      files: [file("bomb.yaml", `a: &a [x, x]\nb: &b [${Array(11).fill("*a").join(",")}]\nc: [${Array(11).fill("*b").join(",")}]\n`)],
      want: /^bomb\.yaml: document 0: YAML that cannot be expanded: /,
    },
  ])("$name", ({ files, want }) => {
    expect(errors(files)).toEqual([expect.stringMatching(want)]);
  });

  test("errors carry their parts for a program too", () => {
    const result = parseManifests([file("manifests/dude.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n")]);
    expect(result).toEqual({
      errors: [
        {
          file: "manifests/dude.yaml",
          index: 0,
          field: "metadata.name",
          problem: "required (a string)",
          message: "manifests/dude.yaml: document 0: metadata.name: required (a string)",
        },
      ],
    });
  });
});

test.each([
  ["v1", { group: "", version: "v1" }],
  ["apps/v1", { group: "apps", version: "v1" }],
  ["a/b/c", undefined],
  ["/v1", undefined],
  ["apps/", undefined],
])("splitApiVersion(%j)", (apiVersion, want) => {
  expect(splitApiVersion(apiVersion)).toEqual(want);
});

describe("parseManifests: a commit with a flood of problems (what a broken kas or a garbage file can send)", () => {
  const syntaxErrors = (n: number): Decode => (f) => ({
    documents: [],
    errors: Array.from({ length: n }, (_, i) => manifestError({ file: f.path, index: 0, line: i + 1 }, "invalid YAML: Unexpected flow-seq-end token")),
  });

  test("200,000 syntax errors in one file are a rejection (not a RangeError), listing the first 100 and how many more", () => {
    const result = parseManifests([file("a.yaml", "]"), file("b.yaml", "]")], syntaxErrors(200_000));
    if (!("errors" in result)) throw new Error("expected errors");
    expect(result.errors).toHaveLength(MAX_LISTED_ERRORS + 1);
    expect(result.errors[0]!.message).toBe("a.yaml: document 0: line 1: invalid YAML: Unexpected flow-seq-end token");
    expect(result.errors[MAX_LISTED_ERRORS]!.message).toBe("a.yaml: document 0: 199900 more problem(s) not listed; files after a.yaml were not read");
  });

  test("decodeFile keeps the first 100 syntax errors of a file and counts the rest (the decode memo holds what it returns)", () => {
    const decoded = decodeFile(file("d.yaml", "]\n".repeat(1000)));
    expect(decoded.errors).toHaveLength(MAX_LISTED_ERRORS);
    expect(decoded.unlisted).toBe(900);
    const result = parseManifests([file("d.yaml", "]\n".repeat(1000))]);
    if (!("errors" in result)) throw new Error("expected errors");
    expect(result.errors).toHaveLength(MAX_LISTED_ERRORS + 1);
    expect(result.errors[MAX_LISTED_ERRORS]!.message).toBe("d.yaml: document 0: 900 more problem(s) not listed");
  });

  // Before: the yaml library built all 2.6 million errors (with stack traces) first: 3.5 GB of heap and 44 s, an out-of-memory crash.
  test("a 5 MiB file of ']' lines (2.6 million syntax errors) is read only until 1,000 errors, then rejected", () => {
    const decoded = decodeFile(file("d.yaml", "]\n".repeat(2.5 * 1024 * 1024)));
    expect(decoded.errors).toHaveLength(MAX_LISTED_ERRORS);
    expect(decoded.errors[0]!.message).toBe('d.yaml: document 0: line 1: invalid YAML: Unexpected flow-seq-end token in YAML document: "]"');
    expect(decoded.errors[MAX_LISTED_ERRORS - 1]!.message).toBe("d.yaml: invalid YAML: more than 1000 errors; the rest of the file was not read");
    expect(decoded.unlisted).toBe(902);
  });

  // Before: the syntax tree of one document nested 1.3 million deep was built whole first: 2.5 GB of heap, an out-of-memory crash.
  test("a 5 MiB file of '- [' lines (flow collections nested 1.3 million deep) is refused at depth 10,000", () => {
    const decoded = decodeFile(file("d.yaml", "- [\n".repeat(1.25 * 1024 * 1024)));
    expect(decoded.errors.map((e) => e.message)).toEqual([
      "d.yaml: line 10001: invalid YAML: flow collections ([ ], { }) nested more than 10000 deep; the rest of the file was not read",
    ]);
    expect(decoded.documents).toEqual([]);
  });

  test("a problem in every one of 1,000 files: reading stops once there are more than 100", () => {
    const files = Array.from({ length: 1000 }, (_, i) => file(`f${i}.yaml`, "]"));
    const result = parseManifests(files, syntaxErrors(1));
    if (!("errors" in result)) throw new Error("expected errors");
    expect(result.errors.map((e) => e.file)).toEqual([...files.slice(0, 100).map((f) => f.path), "f100.yaml"]);
    expect(result.errors[MAX_LISTED_ERRORS]!.problem).toBe("1 more problem(s) not listed; files after f100.yaml were not read");
  });
});
