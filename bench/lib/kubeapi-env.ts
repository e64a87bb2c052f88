/**
 * The Kubernetes API through the agent as a user runs it, for the kubeapi
 * benchmark: the real test cluster (KWOK's kubelet for logs), a loopback OIDC
 * issuer, kas as its own process (`bin/kas --config`, https proxy listener,
 * OIDC ID tokens) and agentk as its own process(es) (`bin/agentk`, acting as
 * its least-privilege ServiceAccount). Both paths use the same identity: the
 * direct one presents the agent ServiceAccount's token to the apiserver, the
 * tunnel one a CI ID token to kas, whose agent forwards with that same token.
 */
import type { ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { ciBearerToken, renderCiKubeconfig } from "../../runtime/kas/kubeapi-auth";
import { hashToken } from "../../runtime/kas/registry";
import { grantAgent } from "../../test/agentk/rbac";
import { startTestCluster, type TestCluster } from "../../test/cluster";
import { freePorts } from "../../test/cluster/ports";
import { makeRepo, removeDir, tempDir } from "../../test/git";
import { newToken } from "../../test/kas";
import { startIssuer, type TestIssuer } from "../../test/kubeapi/issuer";
import { makeTestPki } from "../../test/tls";
import { spawnTracked, stopChild } from "./proc";
import { sleep } from "./stats";

const ROOT = path.resolve(__dirname, "..", "..");
const AUDIENCE = "https://kas.bench";
export const AGENT = { name: "ci-agent", id: "7", configProject: "group/agent-config" };
export const AGENT_NS = "bench-kubeapi-agent";

/** kas.yaml's agent_connections for 100 concurrent requests (defaults: 64 requests, 100 streams per agent). */
export const KAS_LIMITS = { max_tunnel_requests_per_agent: 128, max_streams_per_agent: 256, max_idle_tunnels_per_agent: 16 };
/** agentk replicas and `--tunnels` each: one agentk serves at most 64 requests at once (its pool's maxOpen, not a flag). */
export const AGENTK_REPLICAS = 2;
export const AGENTK_TUNNELS = 8;
/** BENCH_KUBEAPI_FORM=dist: kas and agentk as the image runs them (`node runtime/dist/cli.js`, after `npm run build:dist`); default bin/ (ts-node). */
export const FORM = process.env.BENCH_KUBEAPI_FORM === "dist" ? "dist" : "ts-node";

/** The command and arguments that start `name` (kas or agentk) in FORM. */
function command(name: "kas" | "agentk", args: string[]): [string, string[]] {
  return FORM === "dist" ? [process.execPath, [path.join(ROOT, "runtime/dist/cli.js"), name, ...args]] : [path.join(ROOT, "bin", name), args];
}

/** Where an https request goes and what it presents. */
export interface Endpoint {
  readonly label: "direct" | "tunnel";
  readonly server: string;
  readonly ca: string;
  readonly bearer: string;
  readonly kubeconfig: string;
}

export interface KubeApiEnv {
  readonly cluster: TestCluster;
  readonly dir: string;
  readonly direct: Endpoint;
  readonly tunnel: Endpoint;
  readonly kasPid: number;
  readonly kasMetricsUrl: string;
  readonly agentkPids: readonly number[];
  readonly kasLogFile: string;
  /** The namespaces the agent may read and write (RBAC). */
  readonly namespaces: readonly string[];
  stop(): Promise<void>;
}

/** With `inspect`, kas and each agentk listen for the inspector on these loopback ports (for CPU profiles). */
export async function startKubeApiEnv(namespaces: readonly string[], log: (line: string) => void, inspect?: { kas: number; agentk: readonly number[] }): Promise<KubeApiEnv> {
  const dir = await tempDir("bench-kubeapi-");
  const children: ChildProcess[] = [];
  let cluster: TestCluster | undefined;
  let issuer: TestIssuer | undefined;
  const stop = async (): Promise<void> => {
    for (const c of children.reverse()) await stopChild(c);
    await issuer?.close();
    await cluster?.stop();
    await removeDir(dir);
  };
  try {
    cluster = await startTestCluster({ kubeletServer: true });
    log(`kubeapi: cluster up at ${cluster.server}`);
    const pki = makeTestPki(dir);
    issuer = await startIssuer(AUDIENCE);
    const repo = path.join(dir, "agent-config");
    await makeRepo(repo, { [`.gitlab/agents/${AGENT.name}/config.yaml`]: "ci_access:\n  projects:\n    - id: group/ci-project\n" });
    const saKubeconfig = await grantAgent(cluster, AGENT_NS, "agentk", namespaces);
    const sa = parse(readFileSync(saKubeconfig, "utf8")) as { users: { user: { token: string } }[] };
    const saToken = sa.users[0]?.user.token;
    if (!saToken) throw new Error(`${saKubeconfig}: no token`);
    const token = newToken();
    writeFileSync(path.join(dir, "agents.yaml"), stringify({ agents: [{ id: AGENT.id, name: AGENT.name, config_project: AGENT.configProject, tokens: [{ sha256: hashToken(token) }] }] }));
    const [grpcPort, obsPort, apiPort, ...agentkObs] = (await freePorts(3 + AGENTK_REPLICAS)) as number[];
    writeFileSync(
      path.join(dir, "kas.yaml"),
      stringify({
        listen: { grpc: `127.0.0.1:${grpcPort}`, observability: `127.0.0.1:${obsPort}`, kubernetes_api: { address: `127.0.0.1:${apiPort}`, cert_file: pki.certFile, key_file: pki.keyFile } },
        agents: { registry: "file", file: "agents.yaml" },
        git: { cache_dir: "cache", poll_period: "600s" },
        projects: [{ id: AGENT.configProject, url: repo }],
        kubernetes_api: { oidc: { issuer: issuer.url, audience: AUDIENCE } },
        agent_connections: KAS_LIMITS,
        log_level: "info",
      }),
    );
    const kasLogFile = path.join(dir, "kas.log");
    const kas = spawnLogged(...command("kas", ["--config", path.join(dir, "kas.yaml")]), kasLogFile, process.env, inspect?.kas);
    children.push(kas);
    await waitUntil("kas live", async () => fetch(`http://127.0.0.1:${obsPort}/liveness`).then((r) => r.ok, () => false), 60_000, kas);
    const agentkPids: number[] = [];
    for (let i = 0; i < AGENTK_REPLICAS; i++) {
      const args = ["--kas-address", `grpc://127.0.0.1:${grpcPort}`, "--kubeconfig", saKubeconfig, "--namespace", AGENT_NS, "--pod-name", `ci-agent-${i}`, "--observability-listen-address", `127.0.0.1:${agentkObs[i]}`, "--tunnels", String(AGENTK_TUNNELS)];
      const child = spawnLogged(...command("agentk", args), path.join(dir, `agentk-${i}.log`), { ...process.env, AGENTK_TOKEN: token }, inspect?.agentk[i]);
      children.push(child);
      agentkPids.push(child.pid as number);
    }
    const idleWanted = Math.min(KAS_LIMITS.max_idle_tunnels_per_agent, AGENTK_REPLICAS * AGENTK_TUNNELS);
    const kasMetricsUrl = `http://127.0.0.1:${obsPort}/metrics`;
    await waitUntil(`${idleWanted} idle tunnels at kas`, async () => (await metric(kasMetricsUrl, "kas_agent_tunnels_idle")) >= idleWanted, 90_000, kas);
    const caPem = readFileSync(pki.caFile, "utf8");
    const idToken = issuer.idToken("group/ci-project", { exp: Math.floor(Date.now() / 1000) + 4 * 3600 });
    const ciKubeconfig = path.join(dir, "ci.kubeconfig");
    const server = `https://127.0.0.1:${apiPort}`;
    writeFileSync(ciKubeconfig, renderCiKubeconfig({ server, caPem, credential: idToken, agents: [{ id: AGENT.id, name: AGENT.name, configProjectPath: AGENT.configProject }] }));
    return {
      cluster,
      dir,
      direct: { label: "direct", server: cluster.server, ca: cluster.admin.ca, bearer: saToken, kubeconfig: saKubeconfig },
      tunnel: { label: "tunnel", server, ca: caPem, bearer: ciBearerToken(AGENT.id, idToken), kubeconfig: ciKubeconfig },
      kasPid: kas.pid as number,
      kasMetricsUrl,
      agentkPids,
      kasLogFile,
      namespaces,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

function spawnLogged(cmd: string, args: string[], logFile: string, env: NodeJS.ProcessEnv, inspectPort?: number): ChildProcess {
  const fd = openSync(logFile, "a");
  const e = { ...env };
  delete e.NODE_OPTIONS;
  if (inspectPort !== undefined) e.NODE_OPTIONS = `--inspect=127.0.0.1:${inspectPort}`;
  const child = spawnTracked(cmd, args, { stdio: ["ignore", fd, fd], env: e, cwd: ROOT });
  closeSync(fd);
  return child;
}

/** A gauge or counter's value (summed over its series) from a Prometheus text page; NaN when absent. */
export async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(url)).text();
  const values = [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "gm"))].map((m) => Number(m[1]));
  return values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0);
}

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number, proc: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`${what}: the process exited (${proc.exitCode ?? proc.signalCode})`);
    if (await check().catch(() => false)) return;
    await sleep(200);
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}
