import { distinct, FlagChecks } from "./flag-checks";

describe("FlagChecks", () => {
  test.each(["grpc://kas:8150", "grpcs://kas.example.com", "ws://127.0.0.1:8151", "wss://kas.example.com/agent"])("url %s is accepted", (value) => {
    const c = new FlagChecks();
    expect(c.url("kas-address", value, ["grpc", "grpcs", "ws", "wss"])).toBe(value);
    expect(c.errors).toEqual([]);
  });

  test.each(["notaurl", "http://kas:80", "grpc://", "kas:8150"])("url %s is refused, naming the flag and the schemes", (value) => {
    const c = new FlagChecks();
    expect(c.url("kas-address", value, ["grpc", "grpcs", "ws", "wss"])).toBeUndefined();
    expect(c.errors).toEqual([`--kas-address is ${JSON.stringify(value)}; expected a URL grpc://, grpcs://, ws://, wss:// followed by host[:port], e.g. grpc://kas.example.com:8150`]);
  });

  test.each([
    ["dude", true],
    ["a", true],
    ["gitlab-k8s-agent", true],
    ["Bad_NS", false],
    ["-dude", false],
    ["dude-", false],
    ["a".repeat(63), true],
    ["a".repeat(64), false],
  ])("DNS label %s: %s", (value, ok) => {
    const c = new FlagChecks();
    expect(c.dnsLabel("namespace", value)).toBe(ok ? value : undefined);
    expect(c.errors).toHaveLength(ok ? 0 : 1);
    if (!ok) expect(c.errors[0]).toMatch(new RegExp(`^--namespace is "${value}"; expected a DNS label`));
  });

  test.each([
    ["0", 0],
    ["3", 3],
    ["1000", 1000],
    ["abc", undefined],
    ["-1", undefined],
    ["1.5", undefined],
    ["1e3", undefined],
    ["1001", undefined],
    [" 2", undefined],
  ])("integer %j -> %j", (value, expected) => {
    const c = new FlagChecks();
    expect(c.integer("replicas", value, 0, 1000)).toBe(expected);
    expect(c.errors).toEqual(expected === undefined ? [`--replicas is ${JSON.stringify(value)}; expected a whole number from 0 to 1000`] : []);
  });

  test("oneOf, required, and every problem collected", () => {
    const c = new FlagChecks();
    expect(c.oneOf("log-level", "verbose", ["debug", "info"])).toBeUndefined();
    expect(c.oneOf("log-level", "info", ["debug", "info"])).toBe("info");
    expect(c.oneOf("log-level", undefined, ["debug", "info"])).toBeUndefined();
    expect(c.required("agent-token", undefined, "the agent token")).toBeUndefined();
    expect(c.errors).toEqual(['--log-level is "verbose"; expected one of debug, info', "--agent-token is required: the agent token"]);
  });
});

test("distinct keeps the first of each, in order", () => {
  expect(distinct(["dude", "naww", "dude"])).toEqual(["dude", "naww"]);
});
