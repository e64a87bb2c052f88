/**
 * bin/agentk, bin/kas and the image's entry point (runtime/cli.ts) as a
 * person or a script runs them: --help, -h and
 * --version exit 0 on stdout; usage errors exit 2 on stderr naming the flag;
 * a failure exits 1. Real processes, run from the test's own directory
 * (no cwd: ts-node needs the repository's tsconfig).
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parseAllDocuments } from "yaml";

const ROOT = path.resolve(__dirname, "../..");
const VERSION = (JSON.parse(readFileSync(path.join(ROOT, "runtime", "package.json"), "utf8")) as { version: string }).version;
interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const CASES = {
  agentkHelp: ["agentk", "--help"],
  agentkH: ["agentk", "-h"],
  agentkVersion: ["agentk", "--version"],
  generateHelp: ["agentk", "generate", "--help"],
  generateNoToken: ["agentk", "generate", "--agent-token", "--kas-address", "grpc://kas:8150", "--namespace", "agents"],
  generateBad: ["agentk", "generate", "--agent-token", "t", "--kas-address", "notaurl", "--namespace", "Bad_NS", "--replicas", "abc"],
  generateTwice: ["agentk", "generate", "--agent-token", "t", "--kas-address", "grpc://kas:8150", "--namespace", "agents", "--write-namespace", "dude", "--write-namespace", "dude"],
  agentkBad: ["agentk", "--kas-address", "notaurl", "--log-level", "verbose", "--namespace", "Bad_NS"],
  agentkUnknown: ["agentk", "--kas-adress", "grpc://kas:8150"],
  kasHelp: ["kas", "--help"],
  kasVersion: ["kas", "--version"],
  kasNoConfig: ["kas"],
  kasMissingFile: ["kas", "--config", "/nonexistent/kas.yaml"],
  entryHelp: ["gitops-agent", "--help"],
  entryVersion: ["gitops-agent", "--version"],
  entryUnknown: ["gitops-agent", "kaas"],
  kubeconfigHelp: ["kas", "kubeconfig", "--help"],
  kasKubeconfigBad: ["kas", "kubeconfig", "--kas", "http://kas.example:8156", "--token-env", "1NO"],
  clusterHelp: ["cluster:start", "--help"],
  clusterUnknown: ["cluster:start", "--onc"],
  demoHelp: ["demo", "-h"],
  benchUnknown: ["bench", "--only", "nope"],
} as const;
const runs: Partial<Record<keyof typeof CASES, Run>> = {};

/** The npm scripts' and the image's commands, run under ts-node as bin/ and package.json run them. */
const SCRIPTS: Record<string, string> = { "gitops-agent": "runtime/cli.ts", "cluster:start": "test/cluster/cli.ts", demo: "examples/dude-naww/demo.ts", bench: "bench/run.ts" };
const command = (name: string): [string, string[]] => {
  const script = SCRIPTS[name];
  return script ? [process.execPath, ["-r", path.join(ROOT, "node_modules/ts-node/register/transpile-only"), path.join(ROOT, script)]] : [path.join(ROOT, "bin", name), []];
};

const exec = (bin: string, args: readonly string[]): Promise<Run> =>
  new Promise((resolve) => {
    const [file, first] = command(bin);
    // AGENTK_TOKEN set: the usage errors below are the flags', not a missing token.
    execFile(file, [...first, ...args], { env: { ...process.env, AGENTK_TOKEN: "t" }, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: unknown }).code as number | null) : 0, stdout, stderr }),
    );
  });

beforeAll(async () => {
  // ts-node starts take seconds each: three at a time.
  const queue = Object.entries(CASES) as Array<[keyof typeof CASES, readonly string[]]>;
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const [name, [bin, ...args]] = next;
      runs[name] = await exec(bin as string, args);
    }
  };
  await Promise.all([worker(), worker(), worker()]);
}, 240_000);

const got = (name: keyof typeof CASES): Run => {
  const r = runs[name];
  if (!r) throw new Error(`${name} did not run`);
  return r;
};

describe("agentk", () => {
  test.each(["agentkHelp", "agentkH"] as const)("%s: exit 0, every flag with its default on stdout", (name) => {
    const r = got(name);
    expect([r.code, r.stderr]).toEqual([0, ""]);
    expect(r.stdout).toMatch(/^Usage:\n {2}agentk --kas-address <url>/);
    for (const flag of ["--kas-address <url>", "--token-file <file>", "--ca-cert-file <file>", "--kubeconfig <file>", "--namespace <name>", "--log-level <level>", "-h, --help", "--version"]) expect(r.stdout).toContain(flag);
    expect(r.stdout).toMatch(/--observability-listen-address <host:port> +.*\(default ":8080"\)/);
  });

  test("--version: exit 0, the package version and commit", () => {
    const r = got("agentkVersion");
    expect([r.code, r.stderr]).toEqual([0, ""]);
    expect(r.stdout).toMatch(new RegExp(`^agentk ${VERSION.replace(/\./g, "\\.")}( \\(commit [0-9a-f]+\\))?\\n$`));
  });

  test("bad values: exit 2, each flag named with what it expects", () => {
    const r = got("agentkBad");
    expect([r.code, r.stdout]).toEqual([2, ""]);
    expect(r.stderr).toContain('agentk: --kas-address is "notaurl"; expected a URL grpc://, grpcs://, ws://, wss://');
    expect(r.stderr).toContain('agentk: --log-level is "verbose"; expected one of debug, info, warn, error');
    expect(r.stderr).toContain('agentk: --namespace is "Bad_NS"; expected a DNS label');
    expect(r.stderr).toContain("Run 'agentk --help' for usage.");
  });

  test("an unknown flag: exit 2, naming it and the known ones", () => {
    const r = got("agentkUnknown");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("agentk: unknown flag --kas-adress (known: --kas-address,");
  });
});

describe("agentk generate", () => {
  test("--help: exit 0, every flag with its default", () => {
    const r = got("generateHelp");
    expect([r.code, r.stderr]).toEqual([0, ""]);
    expect(r.stdout).toMatch(/^Usage:\n {2}agentk generate --agent-token <token>/);
    expect(r.stdout).toMatch(/--replicas <n> +.*\(default "1"\)/);
    expect(r.stdout).toMatch(/--write-namespace <name> +.*\(repeatable\)/);
  });

  test("--agent-token without a value: exit 2, not the token \"true\"", () => {
    const r = got("generateNoToken");
    expect([r.code, r.stdout]).toEqual([2, ""]);
    expect(r.stderr).toContain("agentk generate: --agent-token needs a value");
  });

  test("--replicas abc, --kas-address notaurl, --namespace Bad_NS: exit 2, nothing printed", () => {
    const r = got("generateBad");
    expect([r.code, r.stdout]).toEqual([2, ""]);
    expect(r.stderr).toContain('--replicas is "abc"; expected a whole number');
    expect(r.stderr).toContain('--kas-address is "notaurl"');
    expect(r.stderr).toContain('--namespace is "Bad_NS"');
  });

  test("--write-namespace twice: exit 0, plain YAML with one Role for it", () => {
    const r = got("generateTwice");
    expect([r.code, r.stderr]).toEqual([0, ""]);
    expect(r.stdout).not.toMatch(/[&*]a\d/);
    const objects = parseAllDocuments(r.stdout).map((d) => d.toJS() as { kind: string; metadata: { namespace?: string } });
    expect(objects.filter((o) => o.kind === "Role" && o.metadata.namespace === "dude")).toHaveLength(1);
  });
});

describe("kas", () => {
  test("--help: exit 0, the flags", () => {
    const r = got("kasHelp");
    expect([r.code, r.stderr]).toEqual([0, ""]);
    expect(r.stdout).toMatch(/^Usage:\n {2}kas --config <kas.yaml>\n/);
    expect(r.stdout).toMatch(/ {6}--config <kas.yaml> +kas's configuration file/);
    expect(r.stdout).toContain("  -h, --help");
    expect(r.stdout).toContain("      --version");
  });

  test("--version: exit 0, the package version", () => {
    const r = got("kasVersion");
    expect([r.code, r.stderr]).toEqual([0, ""]);
    expect(r.stdout).toMatch(new RegExp(`^kas ${VERSION.replace(/\./g, "\\.")}`));
  });

  test("no --config: a usage error, exit 2", () => {
    const r = got("kasNoConfig");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("kas: --config is required");
  });

  test("a config file that cannot be read: a failure, exit 1, naming the file", () => {
    const r = got("kasMissingFile");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("/nonexistent/kas.yaml");
  });
});

describe("the image's entry point", () => {
  test("--help: exit 0, the commands", () => {
    const r = got("entryHelp");
    expect([r.code, r.stderr]).toEqual([0, ""]);
    expect(r.stdout).toMatch(/^Usage:\n {2}gitops-agent kas --config <kas.yaml> \| agentk --kas-address <url>/);
  });

  test("--version: exit 0", () => {
    const r = got("entryVersion");
    expect([r.code, r.stderr]).toEqual([0, ""]);
    expect(r.stdout).toMatch(new RegExp(`^gitops-agent ${VERSION.replace(/\./g, "\\.")}`));
  });

  test("an unknown command: exit 2, naming it", () => {
    const r = got("entryUnknown");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('gitops-agent: unknown command "kaas"; expected kas, agentk, kubeconfig, preview or wait');
  });
});

// `gitops-agent kubeconfig` loads the same command as the runtimes load (a dynamic import of the built package): test/cli/runtime-package.test.ts.
describe("kas kubeconfig", () => {
  test("--help: exit 0, its flags with the token variable's default", () => {
    const r = got("kubeconfigHelp");
    expect([r.code, r.stderr]).toEqual([0, ""]);
    expect(r.stdout).toMatch(/^Usage:\n {2}kas kubeconfig --kas <https url>/);
    expect(r.stdout).toMatch(/--token-env <VAR> +.*\(default "KAS_ID_TOKEN"\)/);
    for (const flag of ["--ca-file <pem>", "--output <file>"]) expect(r.stdout).toContain(flag);
  });

  test("bad flags: exit 2, each named, under kas's name", () => {
    const r = got("kasKubeconfigBad");
    expect([r.code, r.stdout]).toEqual([2, ""]);
    expect(r.stderr).toContain('kas kubeconfig: --kas is "http://kas.example:8156"; expected a URL https://');
    expect(r.stderr).toContain('kas kubeconfig: --token-env is "1NO"; expected the name of an environment variable');
  });
});

describe("the npm scripts' commands", () => {
  test.each([
    ["clusterHelp", /^Usage:\n {2}cluster:start \[--once\]/],
    ["demoHelp", /^Usage:\n {2}demo \[--kubeconfig <file> \| --pulumi\]/],
  ] as const)("%s: exit 0, the usage and flags", (name, usage) => {
    const r = got(name);
    expect([r.code, r.stderr]).toEqual([0, ""]);
    expect(r.stdout).toMatch(usage);
    expect(r.stdout).toContain("  -h, --help");
  });

  test.each([
    ["clusterUnknown", "cluster:start: unknown flag --onc (known: --once, --help, --version)"],
    ["benchUnknown", 'bench: --only: no benchmark "nope"; known: latency,'],
  ] as const)("%s: exit 2, naming the flag", (name, error) => {
    const r = got(name);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(error);
  });
});
