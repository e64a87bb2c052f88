import { helpText, parseCommandLine, usageError, usageOutcome, type CommandSpec } from "./command-line";

const SPEC = {
  name: "tool sub",
  usage: "--to <url> [flags]",
  summary: "Does the thing.",
  flags: {
    to: { value: "<url>", description: "Where to send it (required)" },
    listen: { value: "<host:port>", default: ":8080", allowEmpty: true, description: "Where to listen; \"\" for none" },
    tag: { value: "<name>", multiple: true, description: "A tag" },
    once: { type: "boolean", description: "Run once" },
  },
} as const satisfies CommandSpec;

describe("parseCommandLine", () => {
  test("--flag value, --flag=value, repeated and boolean flags", () => {
    expect(parseCommandLine(SPEC, ["--to", "grpc://a:1", "--tag=x", "--tag", "y", "--once", "--listen="])).toEqual({
      kind: "run",
      values: { to: "grpc://a:1", tag: ["x", "y"], once: true, listen: "" },
      positionals: [],
    });
  });

  test.each([[["--help"]], [["-h"]], [["--bogus", "--help"]], [["--to", "-h"]]])("%j: the help, whatever else is on the line", (argv) => {
    expect(parseCommandLine(SPEC, argv)).toEqual({ kind: "help", text: helpText(SPEC) });
  });

  test("--version", () => {
    expect(parseCommandLine(SPEC, ["--version"])).toEqual({ kind: "version" });
  });

  test.each([
    [["--to"], "--to needs a value: --to <url> or --to=<url>"],
    // The hand-written parser took the next flag's name as missing and made the value "true".
    [["--to", "--once"], "--to needs a value: --to <url> or --to=<url>"],
    [["--to="], '--to: empty value; expected <url>'],
    [["--once=yes"], "--once takes no value"],
    [["--bogus"], "unknown flag --bogus (known: --to, --listen, --tag, --once, --help, --version)"],
    [["stray"], 'unexpected argument "stray": every value follows its flag'],
  ])("%j is a usage error: %s", (argv, error) => {
    expect(parseCommandLine(SPEC, argv)).toEqual({ kind: "usage-error", errors: [error] });
  });

  test("positionals when the command takes them", () => {
    expect(parseCommandLine({ ...SPEC, positionals: true }, ["a.yaml", "--", "--b.yaml"])).toMatchObject({ kind: "run", positionals: ["a.yaml", "--b.yaml"] });
  });
});

describe("helpText", () => {
  test("usage, summary, every flag with its value, description and default, then -h/--help and --version", () => {
    expect(helpText(SPEC)).toBe(
      [
        "Usage:",
        "  tool sub --to <url> [flags]",
        "",
        "Does the thing.",
        "",
        "Flags:",
        "      --to <url>            Where to send it (required)",
        '      --listen <host:port>  Where to listen; "" for none (default ":8080")',
        "      --tag <name>          A tag (repeatable)",
        "      --once                Run once",
        "  -h, --help                Show this help and exit",
        "      --version             Print the version and exit",
        "",
      ].join("\n"),
    );
  });
});

describe("usageOutcome", () => {
  const io = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) } };
  };

  test("help and version print to stdout and exit 0", () => {
    const h = io();
    expect(usageOutcome(SPEC, { kind: "help", text: "HELP" }, "1.2.3", h.io)).toBe(0);
    expect(usageOutcome(SPEC, { kind: "version" }, "1.2.3 (commit abc)", h.io)).toBe(0);
    expect(h.out).toEqual(["HELP", "tool sub 1.2.3 (commit abc)\n"]);
    expect(h.err).toEqual([]);
  });

  test("usage errors print to stderr, each named by the command, and exit 2", () => {
    const e = io();
    expect(usageError(SPEC, ["one", "two"], e.io)).toBe(2);
    expect(e.err.join("")).toBe("tool sub: one\ntool sub: two\nRun 'tool sub --help' for usage.\n");
    expect(e.out).toEqual([]);
  });
});
