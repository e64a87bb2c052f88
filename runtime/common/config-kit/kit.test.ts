/** The config kit on its own: one describe, one rule set, one reader in each config's wording. */
import { AGENT_CONFIG_WORDING, Checker, describe as describeFound, isDnsLabel, isDnsSubdomain, KAS_CONFIG_WORDING, loadYaml, STACK_CONFIG_WORDING } from "./index";

describe("describe", () => {
  test.each<[unknown, string, string, string]>([
    // value, agent config, kas.yaml, stack config
    ["x", '"x"', 'string "x"', '"x"'],
    [5, "the number 5", "number 5", "the number 5"],
    [true, "the boolean true", "boolean true", "the boolean true"],
    [null, "nothing (null)", "nothing (null)", "null"],
    [undefined, "nothing", "nothing", "nothing"],
    [[1], "a list", "a list", "a list"],
    [{ a: 1 }, "a mapping", "a mapping", "a mapping"],
  ])("%j", (value, agent, kas, stack) => {
    expect(describeFound(value, AGENT_CONFIG_WORDING.describe)).toBe(agent);
    expect(describeFound(value, KAS_CONFIG_WORDING.describe)).toBe(kas);
    expect(describeFound(value, STACK_CONFIG_WORDING.describe)).toBe(stack);
  });

  test("a long string is cut at 60 characters, or at maxChars", () => {
    expect(describeFound("a".repeat(100))).toBe(`"${"a".repeat(57)}..."`);
    expect(describeFound("a".repeat(100), { maxChars: 253 })).toBe(`"${"a".repeat(100)}"`);
  });
});

describe("name rules", () => {
  test.each<[string, boolean]>([
    ["dude", true],
    ["a", true],
    ["1abc", true],
    ["a".repeat(63), true],
    ["a".repeat(64), false],
    ["Dude", false],
    ["dude-", false],
    ["-dude", false],
    ["my.ns", false],
    ["", false],
  ])("DNS label %j: %s", (name, ok) => expect(isDnsLabel(name)).toBe(ok));

  test.each<[string, boolean]>([
    ["apps", true],
    ["widgets.example.com", true],
    [`${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(61)}`, true],
    [`${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(62)}`, false],
    ["Apps/v1", false],
    ["a..b", false],
    [".a", false],
  ])("DNS subdomain %j: %s", (name, ok) => expect(isDnsSubdomain(name)).toBe(ok));

  test("a value that is not a string is no name", () => {
    expect(isDnsLabel(5)).toBe(false);
    expect(isDnsSubdomain(null)).toBe(false);
  });
});

describe("Checker", () => {
  const FILE = "c.yaml";
  const read = (text: string, wording = AGENT_CONFIG_WORDING): Checker => {
    const loaded = loadYaml(text, FILE, { goCompatible: false });
    if (!loaded.ok) throw new Error(loaded.errors.join("\n"));
    return new Checker(FILE, { locate: loaded.locate, wording });
  };

  test("each wording: position, key path, found and expected", () => {
    const text = "top:\n  level: loud\n";
    const agent = read(text);
    agent.oneOf((agent.mapping({ level: "loud" }, ["top"], ["level"]) ?? {}).level, ["top", "level"], ["debug", "info"]);
    expect(agent.errors).toEqual([`${FILE}:2: top.level: found "loud"; expected one of "debug", "info"`]);
    const kas = read(text, KAS_CONFIG_WORDING);
    kas.oneOf("loud", ["top", "level"], ["debug", "info"]);
    expect(kas.errors).toEqual([`${FILE}:2:3: top.level: expected one of debug, info, found string "loud"`]);
    expect(kas.problems[0]).toMatchObject({ path: ["top", "level"], position: { line: 2, col: 3 }, found: 'string "loud"', expected: "one of debug, info" });
  });

  test("an unknown key: a suggestion, and found/expected for the stack config's problems", () => {
    const c = read("lisen: 1\n", KAS_CONFIG_WORDING);
    c.mapping({ lisen: 1 }, [], ["listen"]);
    expect(c.errors).toEqual([`${FILE}:1:1: lisen: unknown key (known: listen) (did you mean "listen"?)`]);
    expect(c.problems[0]).toMatchObject({ found: "an unknown key", expected: "one of listen" });
  });

  test("null is absent by default, and a value where the stack config asks (nullIsAbsent: false)", () => {
    const yamlLike = new Checker(FILE);
    expect(yamlLike.boolean(null, ["b"])).toBeUndefined();
    expect(yamlLike.errors).toEqual([]);
    const stack = new Checker("gitops-agent", { wording: STACK_CONFIG_WORDING, nullIsAbsent: false });
    expect(stack.boolean(null, ["b"])).toBeUndefined();
    expect(stack.oneOf("", ["o"], ["write", "read"])).toBeUndefined();
    expect(stack.errors).toEqual(["gitops-agent: b: found null; expected true or false", 'gitops-agent: o: found ""; expected one of write, read']);
  });

  test("object(): absent is a problem too, worded by the caller", () => {
    const c = new Checker("gitops-agent", { wording: STACK_CONFIG_WORDING, nullIsAbsent: false });
    expect(c.object(undefined, ["cluster"], ["provider"], "a map { provider }")).toBeUndefined();
    expect(c.object({ x: 1 }, ["agent"], "any", "a map")).toEqual({ x: 1 });
    expect(c.problems.map((p) => [p.found, p.expected])).toEqual([["nothing", "a map { provider }"]]);
  });

  test("errors in source order, by line then column where the wording shows columns", () => {
    const c = read("a: 1\nb: { x: 1, y: 2 }\n", KAS_CONFIG_WORDING);
    c.error(["b", "y"], "second");
    c.error(["a"], "third");
    c.error(["b", "x"], "first");
    expect(c.errorsInSourceOrder()).toEqual([`${FILE}:1:1: a: third`, `${FILE}:2:6: b.x: first`, `${FILE}:2:12: b.y: second`]);
  });
});
