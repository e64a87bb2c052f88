/**
 * The CI-access scenario the test/kubeapi suites share: the real test
 * cluster, a loopback OIDC issuer, kas with its Kubernetes API proxy, and
 * agentk in-process (its tunnel pool started by startAgent) acting as its
 * ServiceAccount (allowed in dude), `access_as: agent` from its ci_access.
 */
import { execFile } from "node:child_process";
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
import { startIssuer, type TestIssuer } from "./issuer";

const run = promisify(execFile);
const AUDIENCE = "https://kas.test";
export const AGENT = { name: "ci-agent", id: "7", configProject: "group/agent-config" };
const CONFIG = "ci_access:\n  projects:\n    - id: group/ci-project\n";

export interface KubeApiScenario {
  readonly cluster: TestCluster;
  readonly kas: TestKas;
  readonly issuer: TestIssuer;
  readonly agent: RunningAgent;
  readonly dir: string;
  readonly binary: string;
  /** The CA that signed kas's Kubernetes API listener certificate (PEM file). */
  readonly caFile: string;
  /** A kubeconfig file for this ID token, named `name`. */
  kubeconfig(name: string, idToken: string): string;
  /** Runs kubectl with `file`; never rejects. */
  kubectl(file: string, args: string[]): Promise<{ ok: boolean; stdout: string; stderr: string }>;
  /** kubectl's argv (after the binary) for `file`, for spawning it. */
  kubectlArgs(file: string, args: string[]): string[];
  /** Resolves once kas and agentk hold no request and 4 tunnels are idle again. */
  tunnelsFreed(): Promise<void>;
  stop(): Promise<void>;
}

export async function startKubeApiScenario(clusterOptions: TestClusterOptions = {}): Promise<KubeApiScenario> {
  const binary = await ensureClusterBinary();
  const cluster = await startTestCluster(clusterOptions);
  const dir = await tempDir("kubeapi-ci-");
  const agentLogs: string[] = [];
  const pki = makeTestPki(dir);
  const issuer = await startIssuer(AUDIENCE);
  const repo = path.join(dir, "agent-config");
  await makeRepo(repo, { [`.gitlab/agents/${AGENT.name}/config.yaml`]: CONFIG });
  const saKubeconfig = await grantAgent(cluster, AGENT_NS, "agentk", ["dude"]);
  await cluster.kubectl(["create", "namespace", "naww"]).catch(() => undefined);
  const token = newToken();
  const kas = await startTestKas({
    agents: [{ ...AGENT, tokens: [token] }],
    projects: [{ id: AGENT.configProject, url: repo }],
    kubernetesApi: { certFile: pki.certFile, keyFile: pki.keyFile, issuer: issuer.url, audience: AUDIENCE },
  });
  const agent = await startAgent({
    kasAddress: kas.wsUrl,
    token,
    cluster: await kubeconfigAccess(saKubeconfig),
    namespace: AGENT_NS,
    podName: "ci-agent-0",
    leaderElection: false,
    backoff: { initialMs: 100, maxMs: 500 },
    logger: createLogger({ level: "debug", write: (l) => void agentLogs.push(l) }, { component: "agentk" }),
  });
  await until("4 idle tunnels and the agent's config read", async () => (kas.kas.tunnels.counts(AGENT.id).idle === 4 && kas.kas.tracker.list().some((a) => a.id === AGENT.id && a.config_commit) ? true : undefined), 30_000, () =>
    JSON.stringify({ tunnels: kas.kas.tunnels.counts(AGENT.id), agents: kas.kas.tracker.list(), agentLogs: agentLogs.slice(-5) }),
  );
  const caPem = readFileSync(pki.caFile, "utf8");
  const kubectlArgs = (file: string, args: string[]): string[] => ["kubectl", `--kubeconfig=${file}`, `--cache-dir=${path.join(dir, "kube-cache", path.basename(file))}`, ...args];
  return {
    cluster, kas, issuer, agent, dir, binary, kubectlArgs, caFile: pki.caFile,
    kubeconfig: (name, idToken) => {
      const file = path.join(dir, `${name}.kubeconfig`);
      const agents = [{ id: AGENT.id, name: AGENT.name, configProjectPath: AGENT.configProject }];
      writeFileSync(file, renderCiKubeconfig({ server: kas.kubernetesApiUrl as string, caPem, credential: idToken, agents }));
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
      await until("agentk: no request open", async () => (agent.tunnels?.open === 0 ? true : undefined), 10_000);
      await until("4 idle tunnels again", async () => (kas.kas.tunnels.counts(AGENT.id).idle === 4 ? true : undefined), 10_000);
    },
    stop: async () => {
      await agent.close();
      await kas.stop();
      await issuer.close();
      await cluster.stop();
      await removeDir(dir);
    },
  };
}
