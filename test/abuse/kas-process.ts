/**
 * kas as its own process, for attacks: a legitimate agent `a1` (config and
 * manifests in `g/config`) and an attacker `mallory` holding a valid token
 * for its own project `g/evil`, whose content the attacker controls. Every
 * listener is on a free loopback port. The process is watched: a test can ask
 * whether kas is still alive, how much memory it holds, and whether `a1`,
 * on a fresh connection, still gets its configuration and its objects.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { hashToken } from "../../runtime/kas/registry";
import { freePorts } from "../cluster/ports";
import { makeRepo, removeDir, tempDir, type RepoFiles } from "../git";
import { newToken } from "../kas";
import { until } from "../until";
import { legitimateSync, type LegitimateSync } from "./legit";

const root = path.resolve(__dirname, "../..");

export const LEGIT_MANIFEST = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: legit\n  namespace: dude\ndata:\n  k: v\n";

export interface KasProcessOptions {
  /** Files of the attacker's project g/evil (default: a valid config for mallory). */
  readonly evil?: RepoFiles;
  /** Extra top-level kas.yaml keys (merged over the defaults). */
  readonly kasYaml?: Record<string, unknown>;
  /** Extra files written into kas's directory before it starts (name -> content). */
  readonly files?: Readonly<Record<string, string>>;
  /** The checkout whose bin/kas runs (default this one): the benchmark runs an older kas beside this one. */
  readonly root?: string;
  /**
   * The listeners as kas had them before issue 13 (no listen.api or listen.webhook: the agents
   * API and the webhook shared the observability port). For running an older kas.
   */
  readonly legacyListen?: boolean;
  /** Extra agents besides a1 and mallory (same project layout as mallory: g/evil). */
  readonly moreAgents?: readonly string[];
}

export interface KasProcess {
  readonly dir: string;
  readonly pid: number;
  readonly grpc: string;
  readonly wsPort: number;
  readonly wsPath: string;
  /** The observability listener: /metrics, /liveness, /readiness. */
  readonly httpUrl: string;
  /** The agents API listener (listen.api, loopback): /api/v1/agents and the console. */
  readonly apiUrl: string;
  /** The push webhook listener (listen.webhook), served when kasYaml has a `webhook` section. */
  readonly webhookUrl: string;
  readonly tokens: Readonly<Record<string, string>>;
  readonly evilRepo: string;
  readonly configRepo: string;
  /** Everything kas printed. */
  output(): string;
  /** Log lines (parsed JSON) whose msg matches. */
  logs(msg: RegExp): Record<string, unknown>[];
  alive(): boolean;
  /** Resident set size in MiB, from /proc; NaN once the process is gone. */
  rssMiB(): number;
  /** A number from /metrics (sum over label sets), or undefined when absent. */
  metric(name: string, labels?: RegExp): Promise<number | undefined>;
  /** a1 on a fresh connection gets its configuration and its objects (throws with kas's output otherwise). */
  legitimate(transport?: "grpc" | "ws"): Promise<LegitimateSync>;
  /** Rewrites the agent registry (tokens by agent name; omit an agent to remove it). */
  writeAgents(tokens: Readonly<Record<string, readonly string[]>>): void;
  stop(): Promise<void>;
}

const MALLORY_CONFIG = "gitops:\n  manifest_projects:\n  - id: g/evil\n    default_namespace: evil\n";

export async function startKasProcess(options: KasProcessOptions = {}): Promise<KasProcess> {
  const dir = await tempDir("kas-abuse-");
  const configRepo = path.join(dir, "config");
  const evilRepo = path.join(dir, "evil");
  await makeRepo(configRepo, {
    ".gitlab/agents/a1/config.yaml": "gitops:\n  manifest_projects:\n  - id: g/config\n    default_namespace: dude\n    paths: [{glob: 'manifests/*.yaml'}]\n",
    "manifests/cm.yaml": LEGIT_MANIFEST,
  });
  const names = ["mallory", ...(options.moreAgents ?? [])];
  await makeRepo(evilRepo, options.evil ?? Object.fromEntries(names.map((n) => [`.gitlab/agents/${n}/config.yaml`, MALLORY_CONFIG])));
  const tokens: Record<string, string> = { a1: newToken() };
  for (const n of names) tokens[n] = newToken();
  const agentsFile = path.join(dir, "agents.yaml");
  const writeAgents = (byName: Readonly<Record<string, readonly string[]>>): void => {
    const agents = Object.entries(byName).map(([name, list], i) => ({
      id: String(i + 1),
      name,
      config_project: name === "a1" ? "g/config" : "g/evil",
      token_sha256: list.map(hashToken),
    }));
    // Written beside and renamed over, so kas never reads a half-written registry by accident.
    writeFileSync(`${agentsFile}.tmp`, stringify({ agents }));
    renameSync(`${agentsFile}.tmp`, agentsFile);
  };
  writeAgents(Object.fromEntries(Object.entries(tokens).map(([n, t]) => [n, [t]])));
  for (const [name, content] of Object.entries(options.files ?? {})) writeFileSync(path.join(dir, name), content);
  const [grpcPort, wsPort, httpPort, apiPort, webhookPort] = (await freePorts(5)) as [number, number, number, number, number];
  const extra = options.kasYaml ?? {};
  const kasYaml = {
    ...extra,
    listen: {
      grpc: `127.0.0.1:${grpcPort}`,
      websocket: { address: `127.0.0.1:${wsPort}` },
      observability: `127.0.0.1:${httpPort}`,
      ...(options.legacyListen ? {} : { api: `127.0.0.1:${apiPort}` }),
      ...(extra.webhook && !options.legacyListen ? { webhook: `127.0.0.1:${webhookPort}` } : {}),
      ...((extra.listen as object | undefined) ?? {}),
    },
    agents: extra.agents ?? { registry: "file", file: "agents.yaml" },
    git: { cache_dir: "cache", poll_period: "1s" },
    projects: [
      { id: "g/config", url: "config" },
      { id: "g/evil", url: "evil" },
    ],
    log_level: (extra.log_level as string | undefined) ?? "info",
  };
  writeFileSync(path.join(dir, "kas.yaml"), stringify(kasYaml));

  const proc: ChildProcess = spawn(path.join(options.root ?? root, "bin/kas"), ["--config", path.join(dir, "kas.yaml")], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  proc.stdout!.on("data", (c: Buffer) => (output = keepTail(output + c.toString())));
  proc.stderr!.on("data", (c: Buffer) => (output = keepTail(output + c.toString())));
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ok = await fetch(`${httpUrl}/readiness`).then((r) => r.ok, () => false);
    if (ok) break;
    if (proc.exitCode !== null || proc.signalCode !== null) {
      await removeDir(dir);
      throw new Error(`kas exited (${proc.exitCode ?? proc.signalCode}) while starting:\n${output}`);
    }
    if (Date.now() > deadline) throw new Error(`kas did not become ready in 60 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const grpcAddress = `127.0.0.1:${grpcPort}`;
  const wsPath = "/-/kubernetes-agent/";
  const self: KasProcess = {
    dir,
    pid: proc.pid!,
    grpc: grpcAddress,
    wsPort,
    wsPath,
    httpUrl,
    apiUrl: options.legacyListen ? httpUrl : `http://127.0.0.1:${apiPort}`,
    webhookUrl: options.legacyListen ? httpUrl : `http://127.0.0.1:${webhookPort}`,
    tokens,
    evilRepo,
    configRepo,
    output: () => output,
    logs: (msg) =>
      output
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => {
          try {
            return JSON.parse(l) as Record<string, unknown>;
          } catch {
            return {};
          }
        })
        .filter((l) => typeof l.msg === "string" && msg.test(l.msg)),
    alive: () => proc.exitCode === null && proc.signalCode === null,
    rssMiB: () => {
      let status = "";
      try {
        status = readFileSync(`/proc/${proc.pid}/status`, "utf8");
      } catch {
        // The process is gone (or going): no reading.
      }
      const m = /VmRSS:\s+(\d+) kB/.exec(status);
      return m ? Number(m[1]) / 1024 : NaN;
    },
    metric: async (name, labels) => {
      const text = await (await fetch(`${httpUrl}/metrics`)).text();
      let sum: number | undefined;
      for (const line of text.split("\n")) {
        const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
        if (!m || m[1] !== name || (labels && !labels.test(m[2] ?? ""))) continue;
        sum = (sum ?? 0) + Number(m[3]);
      }
      return sum;
    },
    legitimate: async (transport = "grpc") => {
      if (!self.alive()) throw new Error(`kas is not running (exit ${proc.exitCode ?? proc.signalCode}):\n${output.slice(-4000)}`);
      const target = transport === "grpc" ? `grpc://${grpcAddress}` : `ws://127.0.0.1:${wsPort}${wsPath}`;
      return legitimateSync(target, tokens.a1 as string).catch((err: Error) => {
        throw new Error(`legitimate agent a1 failed over ${transport}: ${err.message}\nkas output (tail):\n${output.slice(-4000)}`);
      });
    },
    writeAgents,
    stop: async () => {
      if (self.alive()) {
        const exited = new Promise((r) => proc.once("exit", r));
        proc.kill("SIGTERM");
        const timer = setTimeout(() => proc.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(timer);
      }
      await removeDir(dir);
    },
  };
  return self;
}

/** Only the last 2 MiB of output: an attack can make kas log a lot, and the test must not grow with it. */
function keepTail(s: string): string {
  return s.length > 2 * 1024 * 1024 ? s.slice(-1024 * 1024) : s;
}

/** `until` (test/until.ts) with the abuse suite's pace: a 20 s deadline, polled every 100 ms, and a probe that may answer at once. */
export function eventually<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000, everyMs = 100): Promise<T> {
  return until(what, async () => check(), timeoutMs, undefined, everyMs);
}
