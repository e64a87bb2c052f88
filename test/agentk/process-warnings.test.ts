/**
 * Node's process warnings never reach the output raw: a real bin/agentk,
 * served by a real kas from a real git repository, reads a Helm template
 * whose `{{ .Values.name }}` makes the yaml library emit "Keys with collection
 * values will be stringified" (process.emitWarning); every line it writes must
 * still be JSON. Also the function itself, in a plain child node process.
 * No cluster: the commit is rejected at parse, before any Kubernetes request.
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { removeDir, tempDir, makeRepo } from "../git";
import { delay, newToken, startTestKas, type TestKas } from "../kas";
import { agentConfig } from "./scenario";

const root = path.resolve(__dirname, "../..");
const TEMPLATE = `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Values.name }}
data:
  greeting: hello
`;

/** Output lines that are not JSON objects. */
const notJson = (out: string): string[] =>
  out.split("\n").filter((line) => {
    if (line.trim() === "") return false;
    try {
      return typeof JSON.parse(line) !== "object";
    } catch {
      return true;
    }
  });

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): { output: () => string; exited: Promise<number | null>; kill: () => void } {
  let out = "";
  const proc = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  proc.stdout.on("data", (c: Buffer) => (out += c.toString()));
  proc.stderr.on("data", (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on("exit", resolve));
  return { output: () => out, exited, kill: () => void proc.kill("SIGTERM") };
}

describe("logProcessWarnings in a child node process", () => {
  const script = (install: boolean) => `
    const { createLogger, logProcessWarnings } = require("./runtime/common");
    const { parseDocument } = require("yaml");
    const logger = createLogger({ write: (l) => process.stdout.write(l) });
    ${install ? "logProcessWarnings(logger);" : ""}
    parseDocument(${JSON.stringify(TEMPLATE)}).toJS();
    process.emitWarning("an old API", "DeprecationWarning", "DEP0999");
    setImmediate(() => logger.info("done"));
  `;
  const node = (install: boolean) => run(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", script(install)]);

  test("without it, Node prints the yaml library's warning raw (what broke JSON log parsing)", async () => {
    const child = node(false);
    expect(await child.exited).toBe(0);
    expect(notJson(child.output()).join("\n")).toMatch(/\(node:\d+\) Warning: Keys with collection values will be stringified/);
  });

  test("with it, each warning is one JSON log line and nothing else is written", async () => {
    const child = node(true);
    expect(await child.exited).toBe(0);
    expect(notJson(child.output())).toEqual([]);
    const lines = child.output().trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([
      expect.objectContaining({ level: "warn", msg: "Process warning", reason: "Warning", message: expect.stringMatching(/^Keys with collection values will be stringified/) }),
      expect.objectContaining({ level: "warn", msg: "Process warning", reason: "DeprecationWarning DEP0999", message: "an old API" }),
      expect.objectContaining({ level: "info", msg: "done" }),
    ]);
  });
});

describe("bin/agentk reading a Helm template from kas", () => {
  let kas: TestKas;
  let dir: string;
  const token = newToken();
  beforeAll(async () => {
    dir = await tempDir();
    const repo = path.join(dir, "repo");
    await makeRepo(repo, { ".gitlab/agents/dude-agent/config.yaml": agentConfig(), "manifests/templates/configmap.yaml": TEMPLATE });
    kas = await startTestKas({ agents: [{ name: "dude-agent", id: "1", configProject: "group/dude-naww", tokens: [token] }], projects: [{ id: "group/dude-naww", url: repo }] });
  });
  afterAll(async () => {
    await kas?.stop();
    await removeDir(dir);
  });

  test("the rejection names the template, and the yaml library's warning is a JSON log line: every line is JSON", async () => {
    // Nothing listens on port 1: agentk must not need the cluster to reject this commit.
    const kubeconfig = path.join(dir, "kubeconfig");
    writeFileSync(kubeconfig, "apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'http://127.0.0.1:1'}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\n");
    const agentk = run(path.join(root, "bin/agentk"), ["--kas-address", `grpc://${kas.grpcAddress}`, "--kubeconfig", kubeconfig, "--namespace", "gitlab-k8s-agent", "--observability-listen-address", "off", "--leader-election", "false", "--log-level", "debug"], { AGENTK_TOKEN: token });
    try {
      const deadline = Date.now() + 60_000;
      while (!agentk.output().includes("Commit rejected") && Date.now() < deadline) await delay(200);
      await delay(500);
    } finally {
      agentk.kill();
    }
    await agentk.exited;
    const out = agentk.output();
    expect(out).toContain("Commit rejected");
    expect(out).toContain("manifests/templates/configmap.yaml: line 4: looks like a Helm template");
    expect(notJson(out)).toEqual([]);
    expect(out).toMatch(/"level":"warn","msg":"Process warning","component":"agentk","reason":"Warning","message":"Keys with collection values will be stringified/);
  }, 90_000);

  test("grpc-js's own lines (GRPC_TRACE=all at DEBUG) are JSON log lines too, msg grpc-js", async () => {
    const kubeconfig = path.join(dir, "kubeconfig");
    writeFileSync(kubeconfig, "apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'http://127.0.0.1:1'}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\n");
    const env = { AGENTK_TOKEN: token, GRPC_TRACE: "all", GRPC_VERBOSITY: "DEBUG" };
    const agentk = run(path.join(root, "bin/agentk"), ["--kas-address", `grpc://${kas.grpcAddress}`, "--kubeconfig", kubeconfig, "--namespace", "gitlab-k8s-agent", "--observability-listen-address", "off", "--leader-election", "false", "--log-level", "debug"], env);
    try {
      const deadline = Date.now() + 60_000;
      while (!agentk.output().includes("Commit rejected") && Date.now() < deadline) await delay(200);
    } finally {
      agentk.kill();
    }
    await agentk.exited;
    const out = agentk.output();
    expect(out).toContain("Commit rejected");
    expect(out).toMatch(/"level":"debug","msg":"grpc-js","component":"agentk","message":"[^"]*\| v\d+\.\d+\.\d+ \d+ \| /);
    expect(notJson(out)).toEqual([]);
  }, 90_000);
});
