/**
 * Issue 20 with real agents: three kas replicas (bin/kas processes) sharing a
 * real redis-server and routing tunnel requests over their private API; a
 * config project served over smart HTTP (polled every 10 min, so a commit
 * arrives through a push webhook and the replicas' refresh channel); agentk
 * processes (bin/agentk) on the real test cluster (apiserver audit log on),
 * each as its own ServiceAccount with its own namespaces, each behind a TCP
 * front that prefers one replica and fails over to the next.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { hashToken } from "../../runtime/kas/registry";
import { grantAgent } from "../agentk/rbac";
import { auditArgs, ensureClusterBinary, freePorts, startTestCluster, writeMetadataAuditPolicy, type TestCluster } from "../cluster";
import { commitFiles, makeRepo, removeDir, startGitHttpServer, tempDir, type GitHttpServer, type RepoFiles } from "../git";
import { newToken, startKasReplica, type KasReplica } from "../kas";
import { agentkProcess, type AgentkProcess } from "../kubeapi/agentk-process";
import { startIssuer, type TestIssuer } from "../kubeapi/issuer";
import { startTestRedis, type TestRedis } from "../redis";
import { makeTestPki } from "../tls";
import { startTcpFront, type TcpFront } from "./tcp-front";

export const PROJECT = "group/config";
export const CI_PROJECT = "group/ci-project";
const AUDIENCE = "https://kas.test";
const WEBHOOK_SECRET = "hook-secret";
export const KEY_PREFIX = "agentk-replicas";

export interface FleetAgent {
  readonly index: number;
  readonly id: string;
  readonly name: string;
  readonly token: string;
  /** Where its manifests go (default_namespace; the only namespace it may write besides its own). */
  readonly namespace: string;
  /** The replica its front prefers. */
  readonly home: number;
  readonly front: TcpFront;
  readonly agentk: AgentkProcess;
}

export interface Fleet {
  readonly cluster: TestCluster;
  readonly redis: TestRedis;
  readonly issuer: TestIssuer;
  readonly replicas: readonly KasReplica[];
  readonly agents: readonly FleetAgent[];
  /** https://127.0.0.1:<port> of each replica's Kubernetes API listener. */
  readonly kubernetesApiUrls: readonly string[];
  readonly caPem: string;
  readonly auditFile: string;
  /** The config project's first commit (agents' config files and firstFiles). */
  readonly firstCommit: string;
  /** A commit of the config project (agents' config files stay). */
  push(files: RepoFiles): Promise<string>;
  /** POSTs GitLab's push event for the config project to replica `r`; the status. */
  webhook(r: number): Promise<number>;
  /** The replica each agent's connection goes to now (undefined: none). */
  connectedTo(a: FleetAgent): number | undefined;
  /** Tail of every replica's and agentk's output, for failure messages. */
  logs(): string;
  stop(): Promise<void>;
}

export const manifestDir = (a: { name: string }): string => `manifests/${a.name}`;

const agentConfig = (name: string, namespace: string): string => `gitops:
  manifest_projects:
    - id: ${PROJECT}
      default_namespace: ${namespace}
      paths:
        - glob: '${manifestDir({ name })}/**/*.yaml'
ci_access:
  projects:
    - id: ${CI_PROJECT}
`;

export async function startFleet(agentCount: number, firstFiles: (a: { name: string; namespace: string }) => RepoFiles): Promise<Fleet> {
  const binary = ensureClusterBinary();
  const dir = await tempDir("replicas-agentk-");
  const auditFile = path.join(dir, "audit.log");
  writeMetadataAuditPolicy(path.join(dir, "audit-policy.yaml"));
  await binary;
  const cluster = await startTestCluster({ apiserverArgs: auditArgs(path.join(dir, "audit-policy.yaml"), auditFile) });
  const redis = await startTestRedis({ password: "redis-pw" });
  const issuer = await startIssuer(AUDIENCE);
  const pki = makeTestPki(dir);
  const specs = Array.from({ length: agentCount }, (_, i) => ({ index: i, id: String(200 + i), name: `agent-${i}`, token: newToken(), namespace: `rep-${i}`, home: i % 3 }));
  const repo = path.join(dir, "git", "group", "config.git");
  const files: Record<string, string | Buffer | null> = {};
  for (const s of specs) Object.assign(files, { [`.gitlab/agents/${s.name}/config.yaml`]: agentConfig(s.name, s.namespace) }, firstFiles(s));
  const firstCommit = await makeRepo(repo, files);
  const git: GitHttpServer = await startGitHttpServer({ root: path.join(dir, "git") });
  writeFileSync(path.join(dir, "agents.yaml"), stringify({ agents: specs.map((s) => ({ id: s.id, name: s.name, config_project: PROJECT, tokens: [{ sha256: hashToken(s.token) }] })) }));
  writeFileSync(path.join(dir, "webhook-secret"), WEBHOOK_SECRET);
  writeFileSync(path.join(dir, "redis-password"), "redis-pw");
  writeFileSync(path.join(dir, "private-api-secret"), "replicas-private-secret-0123456789");
  const apiToken = newToken();
  writeFileSync(path.join(dir, "api-token"), apiToken);
  const ports = await freePorts(18);
  const replicas = await Promise.all(
    [0, 1, 2].map((r) => {
      const [grpcPort, api, hook, obs, k8s, priv] = ports.slice(r * 6, r * 6 + 6) as [number, number, number, number, number, number];
      const rdir = path.join(dir, `kas-${r}`);
      mkdirSync(rdir);
      return startKasReplica(
        `kas-${r}`,
        rdir,
        { grpc: grpcPort, api, webhook: hook, observability: obs },
        {
          agents: { registry: "file", file: "../agents.yaml" },
          git: { cache_dir: "cache", poll_period: "10m" },
          projects: [{ id: PROJECT, url: `${git.url}/${PROJECT}.git` }],
          webhook: { secret_file: "../webhook-secret" },
          api: { token_file: "../api-token" },
          kubernetes_api: { oidc: { issuer: issuer.url, audience: AUDIENCE } },
          redis: { server: { address: `127.0.0.1:${redis.port}` }, password_file: "../redis-password", key_prefix: KEY_PREFIX },
          private_api: { listen: { address: `127.0.0.1:${priv}`, authentication_secret_file: "../private-api-secret" }, own_url: `grpc://127.0.0.1:${priv}` },
        },
        { apiToken, listen: { kubernetes_api: { address: `127.0.0.1:${k8s}`, cert_file: pki.certFile, key_file: pki.keyFile } } },
      );
    }),
  );
  const grpcPorts = replicas.map((r) => r.ports.grpc);
  const agents: FleetAgent[] = [];
  for (const s of specs) {
    const kubeconfig = await grantAgent(cluster, `agentk-${s.index}`, "agentk", [s.namespace]);
    const front = await startTcpFront(() => [...grpcPorts.slice(s.home), ...grpcPorts.slice(0, s.home)]);
    agents.push({ ...s, front, agentk: agentkProcess({ kasGrpcAddress: front.address, token: s.token, kubeconfig, namespace: `agentk-${s.index}` }) });
  }
  await Promise.all(agents.map((a) => a.agentk.start()));
  const logs = (): string => [...replicas.map((r) => `--- ${r.name}\n${r.output().slice(-2500)}`), ...agents.map((a) => `--- ${a.name}\n${a.agentk.output().slice(-2500)}`)].join("\n");
  return {
    cluster,
    redis,
    issuer,
    replicas,
    agents,
    kubernetesApiUrls: [0, 1, 2].map((r) => `https://127.0.0.1:${ports[r * 6 + 4] as number}`),
    caPem: readFileSync(pki.caFile, "utf8"),
    auditFile,
    firstCommit,
    push: (f) => commitFiles(repo, f),
    webhook: async (r) =>
      (
        await fetch(`http://127.0.0.1:${(replicas[r] as KasReplica).ports.webhook}/api/v1/webhooks/push`, {
          method: "POST",
          headers: { "x-gitlab-token": WEBHOOK_SECRET, "content-type": "application/json" },
          body: JSON.stringify({ project: { path_with_namespace: PROJECT } }),
        })
      ).status,
    connectedTo: (a) => {
      const [port] = a.front.backends();
      const r = grpcPorts.indexOf(port ?? -1);
      return r < 0 ? undefined : r;
    },
    logs,
    stop: async () => {
      for (const a of agents) await a.agentk.close().catch(() => undefined);
      for (const a of agents) await a.front.close();
      for (const r of replicas) await r.stop("SIGKILL");
      await git.stop();
      await issuer.close();
      await redis.close();
      await cluster.stop();
      await removeDir(dir);
    },
  };
}
