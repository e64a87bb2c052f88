/**
 * The CI-access scenario the test/kubeapi suites share: the real test
 * cluster, a loopback OIDC issuer, kas with its Kubernetes API proxy, and
 * agentk acting as its ServiceAccount (allowed in dude), `access_as: agent`
 * from its ci_access. agentk runs in-process (startKubeApiScenario: its
 * tunnel pool started by startAgent) or as bin/agentk
 * (startKubeApiProcessScenario: to be killed and restarted). With `gitlab`,
 * kas runs in GitLab mode against test/fakes' stand-in GitLab (agent token,
 * CI job tokens and personal access tokens from its tables).
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { createLogger } from "../../runtime/common";
import { kubeconfigAccess, startAgent, type RunningAgent } from "../../runtime/agentk";
import { renderCiKubeconfig } from "../../runtime/kas/kubeapi-auth";
import { ensureClusterBinary, startTestCluster, type TestCluster, type TestClusterOptions } from "../cluster";
import { grantAgent } from "../agentk/rbac";
import { AGENT_NS } from "../agentk/scenario";
import { makeRepo, removeDir, tempDir } from "../git";
import { newToken, startTestKas, type TestKas } from "../kas";
import { makeTestPki } from "../tls";
import { until } from "../until";
import { agentkProcess, type AgentkProcess } from "./agentk-process";
import { startFakeGitLabInternalApi, type FakeGitLabInternalApi, type FakeJob, type FakeUser } from "../fakes";
import { startIssuer, type TestIssuer } from "./issuer";

const run = promisify(execFile);
const AUDIENCE = "https://kas.test";
export const AGENT = { name: "ci-agent", id: "7", configProject: "group/agent-config" };
/** ci-project runs as the agent; ci-job-project asks for `ci_job` impersonation, which this agentk does not allow by default. */
const CONFIG = "ci_access:\n  projects:\n    - id: group/ci-project\n    - id: group/ci-job-project\n      access_as:\n        ci_job: {}\n";

export interface KubeApiScenarioOptions {
  readonly cluster?: TestClusterOptions;
  /** The agent's config.yaml; default CONFIG above. */
  readonly agentConfig?: string;
  /** More files of the first commit of the config project (group/agent-config, the scenario's one project), e.g. manifests its gitops config lists. */
  readonly files?: Readonly<Record<string, string>>;
  /** agentk --allow-impersonation; default false. */
  readonly allowImpersonation?: boolean;
  /** Runs after the agent's least-privilege RBAC is applied and before agentk starts, e.g. to grant impersonation. */
  readonly setup?: (cluster: TestCluster) => Promise<void>;
  /** kas.yaml `kubernetes_api:` keys besides oidc (limits, path_prefix). */
  readonly kubernetesApi?: Readonly<Record<string, unknown>>;
  /** kas.yaml `agent_connections:` keys. */
  readonly agentConnections?: Readonly<Record<string, unknown>>;
  /** kas's api.token_file: the bearer token of the agents API (and, until the console, of the workloads routes). */
  readonly apiToken?: string;
  /** GitLab mode: the stand-in GitLab's jobs and users by token, and kas's allowed_agent_cache_ttl (Go duration). */
  readonly gitlab?: { readonly jobs?: Record<string, FakeJob>; readonly users?: Record<string, FakeUser>; readonly cacheTtl?: string; readonly errorCacheTtl?: string };
}

/** The stand-in GitLab's id of the configuration project. */
export const CONFIG_PROJECT_ID = 5;

interface ScenarioBase {
  readonly cluster: TestCluster;
  readonly kas: TestKas;
  readonly issuer: TestIssuer;
  /** With options.gitlab only. */
  readonly gitlab?: FakeGitLabInternalApi;
  readonly dir: string;
  /** The config project's repository (a worktree on branch main): commitFiles(repo, ...) makes a new commit kas sees. */
  readonly repo: string;
  readonly binary: string;
  /** The CA of kas's Kubernetes API listener. */
  readonly caPem: string;
  /** The CA that signed kas's Kubernetes API listener certificate (PEM file). */
  readonly caFile: string;
  /** A kubeconfig file for this CI credential (ID token or job token), or with `pat` this personal access token, named `name`. */
  kubeconfig(name: string, credential: string, tokenType?: "ci" | "pat"): string;
  /** Runs kubectl with `file`; never rejects. */
  kubectl(file: string, args: string[]): Promise<{ ok: boolean; stdout: string; stderr: string }>;
  /** kubectl's argv (after the binary) for `file`, for spawning it. */
  kubectlArgs(file: string, args: string[]): string[];
  /** Resolves once kas and agentk hold no request and 4 tunnels are idle again. */
  tunnelsFreed(): Promise<void>;
  stop(): Promise<void>;
}

export interface KubeApiScenario extends ScenarioBase {
  readonly agent: RunningAgent;
  /** Every log line agentk wrote. */
  readonly agentLogs: readonly string[];
}

export interface KubeApiProcessScenario extends ScenarioBase {
  readonly agentk: AgentkProcess;
}

/** What the scenario needs of agentk, however it runs; `handle` is what the test gets. */
interface AgentUnderTest<T> {
  readonly handle: T;
  openRequests(): Promise<number>;
  logs(): string;
  close(): Promise<void>;
}

interface AgentStart {
  readonly kas: TestKas;
  readonly token: string;
  readonly saKubeconfig: string;
}

export async function startKubeApiScenario(options: KubeApiScenarioOptions = {}): Promise<KubeApiScenario> {
  const agentLogs: string[] = [];
  const { base, handle } = await setup(options, async ({ kas, token, saKubeconfig }) => {
    const running = await startAgent({
      kasAddress: kas.wsUrl,
      token,
      cluster: await kubeconfigAccess(saKubeconfig),
      namespace: AGENT_NS,
      podName: "ci-agent-0",
      allowImpersonation: options.allowImpersonation ?? false,
      leaderElection: false,
      backoff: { initialMs: 100, maxMs: 500 },
      logger: createLogger({ level: "debug", write: (l) => void agentLogs.push(l) }, { component: "agentk" }),
    });
    return { handle: running, openRequests: async () => running.tunnels?.open ?? 0, logs: () => agentLogs.slice(-5).join(""), close: () => running.close() };
  });
  return { ...base, agent: handle, agentLogs };
}

export async function startKubeApiProcessScenario(options: KubeApiScenarioOptions = {}): Promise<KubeApiProcessScenario> {
  const { base, handle } = await setup(options, async ({ kas, token, saKubeconfig }) => {
    const p = agentkProcess({ kasGrpcAddress: kas.grpcAddress, token, kubeconfig: saKubeconfig, namespace: AGENT_NS, allowImpersonation: options.allowImpersonation });
    await p.start();
    return { handle: p, openRequests: () => p.openRequests(), logs: () => p.output().slice(-3000), close: () => p.close() };
  });
  return { ...base, agentk: handle };
}

async function setup<T>(options: KubeApiScenarioOptions, start: (s: AgentStart) => Promise<AgentUnderTest<T>>): Promise<{ base: ScenarioBase; handle: T }> {
  const binary = await ensureClusterBinary();
  const cluster = await startTestCluster(options.cluster ?? {});
  const dir = await tempDir("kubeapi-ci-");
  const pki = makeTestPki(dir);
  const issuer = await startIssuer(AUDIENCE);
  const repo = path.join(dir, "agent-config");
  await makeRepo(repo, { ...options.files, [`.gitlab/agents/${AGENT.name}/config.yaml`]: options.agentConfig ?? CONFIG });
  const saKubeconfig = await grantAgent(cluster, AGENT_NS, "agentk", ["dude"]);
  await cluster.kubectl(["create", "namespace", "naww"]).catch(() => undefined);
  await options.setup?.(cluster);
  const token = newToken();
  const g = options.gitlab;
  const secret = randomBytes(32);
  const gitlab = g && (await startFakeGitLabInternalApi(secret, { [token]: { agentId: Number(AGENT.id), agentName: AGENT.name, projectId: CONFIG_PROJECT_ID, projectPath: AGENT.configProject } }, g));
  const kas = await startTestKas({
    agents: [{ ...AGENT, tokens: [token] }],
    projects: [{ id: AGENT.configProject, url: repo }],
    kubernetesApi: { certFile: pki.certFile, keyFile: pki.keyFile, issuer: issuer.url, audience: AUDIENCE, allowedAgentCacheTtl: g?.cacheTtl, allowedAgentCacheErrorTtl: g?.errorCacheTtl, settings: options.kubernetesApi },
    agentConnections: options.agentConnections,
    ...(options.apiToken ? { apiToken: options.apiToken } : {}),
    ...(gitlab ? { gitlab: { url: gitlab.url, secret } } : {}),
  });
  const agent = await start({ kas, token, saKubeconfig });
  await until("4 idle tunnels and the agent's config read", async () => (kas.kas.tunnels.counts(AGENT.id).idle === 4 && kas.kas.tracker.list().some((a) => a.id === AGENT.id && a.config_commit) ? true : undefined), 30_000, () =>
    JSON.stringify({ tunnels: kas.kas.tunnels.counts(AGENT.id), agents: kas.kas.tracker.list(), agentLogs: agent.logs() }),
  );
  const caPem = readFileSync(pki.caFile, "utf8");
  const kubectlArgs = (file: string, args: string[]): string[] => ["kubectl", `--kubeconfig=${file}`, `--cache-dir=${path.join(dir, "kube-cache", path.basename(file))}`, ...args];
  const base: ScenarioBase = {
    cluster, kas, issuer, gitlab, dir, repo, binary, caPem, caFile: pki.caFile, kubectlArgs,
    kubeconfig: (name, credential, tokenType) => {
      const file = path.join(dir, `${name}.kubeconfig`);
      const agents = [{ id: AGENT.id, name: AGENT.name, configProjectPath: AGENT.configProject }];
      const prefix = typeof options.kubernetesApi?.path_prefix === "string" ? options.kubernetesApi.path_prefix : "";
      writeFileSync(file, renderCiKubeconfig({ server: `${kas.kubernetesApiUrl as string}${prefix}`, caPem, credential, agents, tokenType }));
      return file;
    },
    kubectl: async (file, args) => {
      try {
        const r = await run(binary, kubectlArgs(file, args), { encoding: "utf8" });
        return { ok: true, stdout: r.stdout, stderr: r.stderr };
      } catch (err) {
        const e = err as { stdout?: string; stderr?: string };
        return { ok: false, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
      }
    },
    tunnelsFreed: async () => {
      await until("kas: the tunnel freed", async () => (kas.kas.tunnels.counts(AGENT.id).inUse === 0 ? true : undefined), 10_000, () => JSON.stringify(kas.kas.tunnels.counts(AGENT.id)));
      await until("agentk: no request open", async () => ((await agent.openRequests()) === 0 ? true : undefined), 10_000, agent.logs);
      await until("4 idle tunnels again", async () => (kas.kas.tunnels.counts(AGENT.id).idle === 4 ? true : undefined), 10_000);
    },
    stop: async () => {
      await agent.close();
      await kas.stop();
      await gitlab?.close();
      await issuer.close();
      await cluster.stop();
      await removeDir(dir);
    },
  };
  return { base, handle: agent.handle };
}
