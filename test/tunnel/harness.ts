/**
 * A real kas and an in-process agentk tunnel pool for one agent, over plain
 * gRPC or gRPC-over-WebSocket, with the agent's kube access as its
 * ServiceAccount on the test cluster.
 */
import { writeFileSync } from "node:fs";
import type * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { createLogger } from "../../runtime/common";
import { createClients, type TunnelRequestHead, type TunnelResponseHead } from "../../runtime/rpc";
import { connectTarget, type KasTarget } from "../../runtime/agentk/connection";
import { bindAgentToken } from "../../runtime/rpc/client";
import { KubeClient, kubeconfigAccess } from "../../runtime/agentk/kube";
import { startTunnelPool, type TunnelPool } from "../../runtime/agentk/tunnel";
import type { TestCluster } from "../cluster";
import { newToken, startTestKas, type TestKas } from "../kas";
import { until } from "../until";

export interface TestPool {
  readonly pool: TunnelPool;
  readonly kube: KubeClient;
  readonly logs: string[];
  /** Aborts the pool (every tunnel and request in flight: the agent going away) and closes its channel. */
  stop(): Promise<void>;
}

/** `kube`: a kubeconfig file (the test cluster), or a client for another loopback server. */
export async function startPool(kas: TestKas, token: string, kube0: string | KubeClient, transport: "grpc" | "ws", size = 4, maxOpen?: number): Promise<TestPool> {
  const stop = new AbortController();
  let target: KasTarget = { target: kas.grpcAddress, credentials: grpc.credentials.createInsecure(), close: async () => undefined };
  if (transport === "ws") target = await connectTarget(kas.wsUrl, { token });
  const channel = bindAgentToken(target.credentials, () => token);
  const clients = createClients(target.target, channel.credentials, channel.options);
  const kube = typeof kube0 === "string" ? KubeClient.fromAccess(await kubeconfigAccess(kube0)) : kube0;
  const logs: string[] = [];
  const logger = createLogger({ level: "debug", write: (l) => void logs.push(l) }, { component: "agentk" });
  const pool = startTunnelPool({ clients, kube, size, maxOpen, logger, signal: stop.signal, backoff: { initialMs: 100, maxMs: 500 } });
  return {
    pool,
    kube,
    logs,
    stop: async () => {
      stop.abort();
      await pool.done;
      clients.close();
      kube.close();
      await target.close();
    },
  };
}

export const getHead = (path: string): TunnelRequestHead => ({ method: "GET", path, headers: [{ name: "accept", values: ["application/json"] }], identity: null });

/** One request through one of the agent's tunnels, the whole body read. */
export async function tunnelGet(kas: TestKas, agentId: string, path: string): Promise<{ head: TunnelResponseHead; body: string }> {
  const tunnel = await kas.kas.tunnels.acquire(agentId, { timeoutMs: 10_000 });
  const res = await tunnel.request(getHead(path));
  const chunks: Buffer[] = [];
  for await (const c of res.body) chunks.push(c);
  return { head: res.head, body: Buffer.concat(chunks).toString("utf8") };
}

/** Files of `perFile` ConfigMaps in dude, `bytes` of data each (a List per file: under the apiserver's request size). */
export async function bigConfigMaps(cluster: TestCluster, files: number, perFile: number, bytes: number): Promise<string[]> {
  const out: string[] = [];
  for (let f = 0; f < files; f++) {
    const items = Array.from({ length: perFile }, (_, i) => ({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: `big-${f}-${i}`, namespace: "dude" },
      data: { blob: "x".repeat(bytes) },
    }));
    const file = path.join(cluster.dir, `big-configmaps-${f}.json`);
    writeFileSync(file, JSON.stringify({ apiVersion: "v1", kind: "List", items }));
    out.push(file);
  }
  return out;
}

/** kas with agent "1" whose `size` tunnels reach `server` (started here), a loopback stand-in for the apiserver. */
export interface LoopbackAgent {
  readonly kas: TestKas;
  readonly pool: TestPool;
  stop(): Promise<void>;
}

export async function startLoopbackAgent(server: http.Server, size: number, headers: Record<string, string> = {}): Promise<LoopbackAgent> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const kube = KubeClient.fromAccess({
    server: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    tls: { rejectUnauthorized: true },
    headers: async () => headers,
    source: "loopback stand-in",
  });
  const token = newToken();
  const kas = await startTestKas({ agents: [{ name: "a", id: "1", configProject: "g/a", tokens: [token] }], projects: [] });
  const pool = await startPool(kas, token, kube, "grpc", size);
  await until(`${size} idle tunnels`, async () => (kas.kas.tunnels.counts("1").idle === size ? true : undefined), 10_000);
  return {
    kas,
    pool,
    stop: async () => {
      await pool.stop();
      await kas.stop();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
