/**
 * Two real kas replicas sharing an in-memory AgentLocator: A holds agent 1's
 * tunnels (a real agentk tunnel pool, over gRPC), B holds none and routes to
 * A over the private API. The agent's "apiserver" is a loopback stand-in
 * (the caller's `server`); B's Kubernetes API proxy (its real handlers, on
 * plain loopback http) authenticates CI ID tokens from a loopback issuer.
 */
import type * as http from "node:http";
import type { AddressInfo } from "node:net";
import { KubeClient } from "../../runtime/agentk/kube";
import { createLogger } from "../../runtime/common";
import { parseAgentConfig } from "../../runtime/kas/agentcfg";
import { CredentialCache, JwksCache, ciBearerToken, type TargetAgent } from "../../runtime/kas/kubeapi-auth";
import { kubernetesApiProxy, kubernetesApiUpgrade, type KubernetesApiProxyDeps } from "../../runtime/kas/server";
import type { AgentLocator } from "../../runtime/kas/shared/presence";
import { newToken, startTestKas, type TestAgent, type TestKas } from "../kas";
import { startTestRedis } from "../redis";
import { startIssuer, type TestIssuer } from "../kubeapi/issuer";
import { serveLoopback, type LoopbackHttp } from "../loopback-http";
import type { PrivateApiTestTls } from "../kas/harness";
import { startPool, type TestPool } from "../tunnel/harness";
import { until } from "../until";

export const SECRET = "replicas-share-this";
const AUDIENCE = "https://kas.example";

export interface TwoReplicas {
  readonly a: TestKas;
  readonly b: TestKas;
  readonly pool: TestPool;
  /** B's Kubernetes API proxy. */
  readonly proxyUrl: string;
  /** `Authorization` for agent `agentId` as CI project group/app. */
  authorization(agentId?: string): string;
  /** Where the locator says agents are (B asks it; A is never asked: the agent is connected there). */
  readonly where: Map<string, string[]>;
  /** The agent ids the locator was asked about, in order. */
  readonly asked: readonly string[];
  /** Starts another replica sharing the locator with `secret` (and `tls`, else a plain private API), and its proxy. */
  replica(secret: string, tls?: PrivateApiTestTls): Promise<{ kas: TestKas; proxyUrl: string; close(): Promise<void> }>;
  stop(): Promise<void>;
}

/**
 * `presence`: "test" (default) routes by the test's `where` map; "redis" by
 * what the replicas themselves write to the shared Redis (issue 20's presence),
 * as in production. `tls`: the private API serves TLS with this certificate
 * (own_url grpcs://) and the replicas check each other against its CA.
 */
export async function startTwoReplicas(apiserver: http.Server, poolSize = 2, presence: "test" | "redis" = "test", tls?: PrivateApiTestTls): Promise<TwoReplicas> {
  // The replicas share state in a real Redis; where agents are comes from the test's locator.
  const redis = await startTestRedis();
  const redisAddress = `127.0.0.1:${redis.port}`;
  await new Promise<void>((r) => apiserver.listen(0, "127.0.0.1", r));
  const where = new Map<string, string[]>();
  const asked: string[] = [];
  const locator: AgentLocator = {
    replicasOf: async (id) => {
      asked.push(id);
      return where.get(id) ?? [];
    },
  };
  const token = newToken();
  const agents: TestAgent[] = [
    { name: "a", id: "1", configProject: "g/a", tokens: [token] },
    { name: "b", id: "8", configProject: "g/b" },
  ];
  const replicaLocator = presence === "test" ? { locator } : {};
  const a = await startTestKas({ agents, projects: [], privateApi: { secret: SECRET, redisAddress, ...replicaLocator, ...(tls ? { tls } : {}) } });
  const b = await startTestKas({ agents, projects: [], privateApi: { secret: SECRET, redisAddress, ...replicaLocator, ...(tls ? { tls } : {}) } });
  where.set("1", [a.privateApiUrl as string]);
  const kube = KubeClient.fromAccess({ server: new URL(`http://127.0.0.1:${(apiserver.address() as AddressInfo).port}`), tls: { rejectUnauthorized: true }, headers: async () => ({}), source: "loopback stand-in" });
  const pool = await startPool(a, token, kube, "grpc", poolSize);
  await until(`${poolSize} idle tunnels on A`, async () => (a.kas.tunnels.counts("1").idle === poolSize ? true : undefined), 10_000);
  const issuer = await startIssuer(AUDIENCE);
  const closers: (() => Promise<void>)[] = [];
  const proxyOf = async (kas: TestKas): Promise<LoopbackHttp> => {
    const deps = proxyDeps(issuer, kas);
    const http = await serveLoopback(kubernetesApiProxy(deps), kubernetesApiUpgrade(deps));
    closers.push(() => http.close());
    return http;
  };
  const proxy = await proxyOf(b);
  return {
    a,
    b,
    pool,
    proxyUrl: proxy.url,
    where,
    asked,
    authorization: (agentId = "1") => `Bearer ${ciBearerToken(agentId, issuer.idToken("group/app"))}`,
    replica: async (secret, replicaTls) => {
      const kas = await startTestKas({ agents, projects: [], privateApi: { secret, redisAddress, ...replicaLocator, ...(replicaTls ? { tls: replicaTls } : {}) } });
      const http = await proxyOf(kas);
      return { kas, proxyUrl: http.url, close: () => kas.stop() };
    },
    stop: async () => {
      for (const c of closers) await c();
      await pool.stop();
      await b.stop();
      await a.stop();
      await redis.close();
      await issuer.close();
      apiserver.closeAllConnections();
      await new Promise((r) => apiserver.close(r));
    },
  };
}

/** The proxy's deps as listenKubernetesApi makes them, with the ci_access of agents 1 and 8 (group/app may use them) and the replica's routed tunnels. */
function proxyDeps(issuer: TestIssuer, kas: TestKas): KubernetesApiProxyDeps {
  const access = (id: string): TargetAgent | undefined => {
    if (id !== "1" && id !== "8") return undefined;
    const res = parseAgentConfig("ci_access:\n  projects:\n  - id: group/app\n", { file: "config.yaml", configProjectId: "group/agent-config" });
    if (!res.ok) throw new Error(res.error);
    return { agent: { id, name: `agent-${id}`, configProjectPath: "group/agent-config" }, ciAccess: res.access.ci_access };
  };
  return {
    auth: { verify: { issuer: issuer.url, audience: AUDIENCE, jwks: new JwksCache({ issuer: issuer.url }) }, cache: new CredentialCache(), agent: access },
    tunnels: kas.kas.routedTunnels,
    logger: createLogger({ level: "error" }, { component: "kas-proxy" }),
    acquireTimeoutMs: 2_000,
  };
}
