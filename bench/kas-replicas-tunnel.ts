/**
 * Cross-replica tunnel overhead: two kas processes (bin/kas) sharing a real
 * redis-server, each with its Kubernetes API proxy (https, CI ID tokens from
 * a loopback issuer) and its private API; one agent whose tunnels (agentk's
 * tunnel pool, in this process) are connected to replica 0 and answer from a
 * loopback apiserver. The same small GET, alternately through replica 0's
 * proxy (the agent's own replica) and replica 1's (forwarded to replica 0 over
 * the private API, which it finds through Redis), one keep-alive https
 * connection each, after a warm-up of each.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { stringify } from "yaml";
import { KubeClient } from "../runtime/agentk/kube";
import { startTunnelPool } from "../runtime/agentk/tunnel";
import { silentLogger } from "../runtime/common";
import { ciBearerToken } from "../runtime/kas/kubeapi-auth";
import { hashToken } from "../runtime/kas/registry";
import { createClients } from "../runtime/rpc";
import { bindAgentToken } from "../runtime/rpc/client";
import { freePorts } from "../test/cluster/ports";
import { makeRepo, removeDir, tempDir } from "../test/git";
import { newToken } from "../test/kas";
import { startKasReplica, type KasReplica } from "../test/kas/kas-replica";
import { startIssuer } from "../test/kubeapi/issuer";
import { startTestRedis } from "../test/redis";
import { makeTestPki } from "../test/tls";
import { until } from "../test/until";
import { percentile } from "./lib/stats";
import { timedClient, type TimedClient } from "./lib/timed-https";

const SAMPLES = Number(process.env.BENCH_KAS_REPLICAS_TUNNEL_SAMPLES ?? 200);
const WARMUP = 20;
const POOL = 4;
const PATH = "/api/v1/namespaces/dude/configmaps";
const BODY = JSON.stringify({ kind: "ConfigMapList", items: [{ metadata: { name: "hello" } }] });
const AUDIENCE = "https://kas.example";

export interface LatencySummary {
  readonly n: number;
  readonly p50: number;
  readonly p95: number;
  readonly max: number;
}

export interface TunnelOverhead {
  readonly method: string;
  readonly same: LatencySummary;
  readonly cross: LatencySummary;
  /** Requests not answered 200 with the body (kept out of the percentiles), the first few. */
  readonly failures: { readonly count: number; readonly of: number; readonly first: string[] };
  readonly raw: { readonly same: number[]; readonly cross: number[] };
}

export async function measureTunnelOverhead(log: (l: string) => void): Promise<TunnelOverhead> {
  const dir = await tempDir("bench-kas-tunnel-");
  const closers: (() => Promise<unknown> | void)[] = [() => removeDir(dir)];
  try {
    const pki = makeTestPki(dir);
    const redis = await startTestRedis();
    closers.push(() => redis.close());
    const issuer = await startIssuer(AUDIENCE);
    closers.push(() => issuer.close());
    const apiserver = http.createServer((_req, res) => void res.writeHead(200, { "content-type": "application/json" }).end(BODY));
    await new Promise<void>((r) => apiserver.listen(0, "127.0.0.1", r));
    closers.push(() => (apiserver.closeAllConnections(), new Promise((r) => apiserver.close(r))));
    const token = newToken();
    writeFileSync(path.join(dir, "agents.yaml"), stringify({ agents: [{ id: "1", name: "agent-1", config_project: "group/agent-config", tokens: [{ sha256: hashToken(token) }] }] }));
    writeFileSync(path.join(dir, "private-secret"), "bench-private-api-secret");
    await makeRepo(path.join(dir, "g-config"), { ".gitlab/agents/agent-1/config.yaml": "ci_access:\n  projects:\n    - id: group/app\n" });
    const replicas: KasReplica[] = [];
    closers.push(async () => {
      for (const r of replicas) await r.stop();
    });
    const k8sPorts: number[] = [];
    for (let i = 0; i < 2; i++) {
      const [grpcPort, api, webhook, obs, k8s, priv] = (await freePorts(6)) as [number, number, number, number, number, number];
      k8sPorts.push(k8s);
      const rdir = path.join(dir, `kas-${i}`);
      mkdirSync(rdir);
      replicas.push(
        await startKasReplica(`kas-${i}`, rdir, { grpc: grpcPort, api, webhook, observability: obs }, {
          listen: { grpc: `127.0.0.1:${grpcPort}`, api: `127.0.0.1:${api}`, observability: `127.0.0.1:${obs}`, kubernetes_api: { address: `127.0.0.1:${k8s}`, cert_file: pki.certFile, key_file: pki.keyFile } },
          agents: { registry: "file", file: "../agents.yaml" },
          git: { cache_dir: "cache", poll_period: "10m" },
          projects: [{ id: "group/agent-config", url: path.join(dir, "g-config") }],
          kubernetes_api: { oidc: { issuer: issuer.url, audience: AUDIENCE } },
          redis: { server: { address: `127.0.0.1:${redis.port}` }, key_prefix: "bench-tunnel" },
          private_api: { listen: { address: `127.0.0.1:${priv}`, authentication_secret_file: "../private-secret" }, own_url: `grpc://127.0.0.1:${priv}` },
          log_level: "warn",
        }),
      );
    }
    // The agent's tunnels, on replica 0.
    const stop = new AbortController();
    const channel = bindAgentToken(grpc.credentials.createInsecure(), () => token);
    const clients = createClients(`127.0.0.1:${(replicas[0] as KasReplica).ports.grpc}`, channel.credentials, channel.options);
    const kube = KubeClient.fromAccess({ server: new URL(`http://127.0.0.1:${(apiserver.address() as AddressInfo).port}`), tls: { rejectUnauthorized: true }, headers: async () => ({}), source: "loopback stand-in" });
    const pool = startTunnelPool({ clients, kube, size: POOL, logger: silentLogger, signal: stop.signal, backoff: { initialMs: 100, maxMs: 500 } });
    // Its configuration stream, as agentk holds one: kas learns the agent's ci_access from it (and shares it through Redis).
    const config = clients.configuration.GetConfiguration({ commit_id: "", agent_meta: { version: "bench", commit_id: "", pod_namespace: "bench", pod_name: "agent-1" } });
    config.on("error", () => undefined);
    config.on("data", () => undefined);
    closers.push(async () => {
      config.cancel();
      stop.abort();
      await pool.done;
      clients.close();
      kube.close();
    });
    const ca = readFileSync(pki.caFile, "utf8");
    const bearer = ciBearerToken("1", issuer.idToken("group/app"));
    const [same, cross] = k8sPorts.map((p, i) => timedClient({ label: i === 0 ? "direct" : "tunnel", server: `https://127.0.0.1:${p}`, ca, bearer, kubeconfig: "" })) as [TimedClient, TimedClient];
    closers.push(() => (same.close(), cross.close()));
    return await sample(same, cross, log);
  } finally {
    for (const c of closers.reverse()) await Promise.resolve(c()).catch((err: unknown) => log(`kas-replicas tunnel: cleanup: ${String(err)}`));
  }
}

async function sample(sameClient: TimedClient, crossClient: TimedClient, log: (l: string) => void): Promise<TunnelOverhead> {
  const failures: string[] = [];
  let failed = 0;
  const get = async (c: TimedClient, which: string): Promise<number> => {
    const t = await c.get(PATH, { keepBody: true, timeoutMs: 10_000 });
    if (t.status === 200 && t.body === BODY) return t.ms;
    if (++failed <= 5) failures.push(`${which}: ${t.status} ${(t.body ?? "").slice(0, 200)}`);
    return NaN;
  };
  // Replica 1 learns from Redis where the agent is (its presence is written when the tunnels open).
  await until("replica 0 serves the agent's tunnels and replica 1 routes to it", async () => (!Number.isNaN(await get(sameClient, "same")) && !Number.isNaN(await get(crossClient, "cross")) ? true : undefined), 30_000, () => `first failures: ${failures.join("; ")}`);
  for (let i = 0; i < WARMUP; i++) await Promise.all([get(sameClient, "same"), get(crossClient, "cross")]);
  [failed, failures.length] = [0, 0];
  const same: number[] = [];
  const cross: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    // Alternate which goes first, so neither always follows the other's work.
    if (i % 2 === 0) {
      same.push(await get(sameClient, "same"));
      cross.push(await get(crossClient, "cross"));
    } else {
      cross.push(await get(crossClient, "cross"));
      same.push(await get(sameClient, "same"));
    }
  }
  log(`kas-replicas: tunnel: ${SAMPLES} GETs each way done, ${failed} failed`);
  return {
    method: `two bin/kas replicas (log_level warn) sharing a real redis-server, each with its Kubernetes API proxy (https, test CA) and private API (plain gRPC on loopback); one agent: agentk's tunnel pool (${POOL} tunnels, in the benchmark process) connected to replica 0, answering from a loopback apiserver (${BODY.length} bytes); ${SAMPLES} GETs of ${PATH} through each replica's proxy with a CI ID token, one keep-alive https connection each, alternating, after ${WARMUP} warm-up each`,
    same: summarize(same.filter((x) => !Number.isNaN(x))),
    cross: summarize(cross.filter((x) => !Number.isNaN(x))),
    failures: { count: failed, of: 2 * SAMPLES, first: failures },
    raw: { same, cross },
  };
}

function summarize(xs: readonly number[]): LatencySummary {
  return { n: xs.length, p50: percentile(xs, 50), p95: percentile(xs, 95), max: Math.max(...xs) };
}
