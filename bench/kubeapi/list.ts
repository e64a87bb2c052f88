/**
 * Large LIST throughput: N ConfigMaps in one namespace, listed whole (one
 * request) and in pages of 500 (kubectl's default --chunk-size), through the
 * tunnel and directly, runs alternating; and kubectl get -o json both ways.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { Endpoint, KubeApiEnv } from "../lib/kubeapi-env";
import { cpuSeconds } from "../lib/proc";
import { timedClient, type TimedClient } from "../lib/timed-https";

const run = promisify(execFile);

export interface ListRun {
  readonly mode: string;
  readonly side: "direct" | "tunnel";
  readonly ms: number;
  readonly bytes: number;
  readonly items: number;
  readonly requests: number;
  /** 'data' events the client saw over all pages. */
  readonly chunks?: number;
  /** CPU of kas and of the agentk replicas (summed) over the run: what the tunnel costs, whatever the machine's load. */
  readonly kasCpuMs?: number;
  readonly agentkCpuMs?: number;
}

/** ~1 KiB of data each, as an ordinary ConfigMap holds. */
function configMap(ns: string, i: number): unknown {
  const line = `key-${i}=${"v".repeat(60)}\n`;
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name: `bulk-${String(i).padStart(5, "0")}`, namespace: ns, labels: { bench: "list" } }, data: { "settings.properties": line.repeat(14) } };
}

/** Creates `count` ConfigMaps (16 in flight) with the agent's credentials, directly; skips those that exist. */
export async function createConfigMaps(ep: Endpoint, ns: string, count: number, log: (l: string) => void): Promise<void> {
  const client = timedClient(ep, 16);
  try {
    let next = 0;
    let done = 0;
    const worker = async (): Promise<void> => {
      while (next < count) {
        const i = next++;
        const r = await client.send("POST", `/api/v1/namespaces/${ns}/configmaps`, configMap(ns, i));
        if (r.status !== 201 && r.status !== 409) throw new Error(`creating ConfigMap ${i}: HTTP ${r.status}: ${(r.body ?? "").slice(0, 200)}`);
        if (++done % 2000 === 0) log(`kubeapi: ${done} ConfigMaps created`);
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
  } finally {
    client.close();
  }
}

/** One list, whole (limit 0) or paged with continue; items counted from the body. */
async function listOnce(client: TimedClient, side: "direct" | "tunnel", ns: string, limit: number): Promise<ListRun> {
  let ms = 0;
  let bytes = 0;
  let items = 0;
  let requests = 0;
  let chunks = 0;
  let cont = "";
  do {
    const q = new URLSearchParams(limit > 0 ? { limit: String(limit), ...(cont ? { continue: cont } : {}) } : {});
    const r = await client.get(`/api/v1/namespaces/${ns}/configmaps${q.size ? `?${q}` : ""}`, { keepBody: true, timeoutMs: 120_000 });
    if (r.status !== 200) throw new Error(`${side} LIST: HTTP ${r.status}: ${(r.body ?? "").slice(0, 200)}`);
    requests++;
    ms += r.ms;
    chunks += r.chunks;
    bytes += r.bytes;
    const page = JSON.parse(r.body ?? "") as { items: unknown[]; metadata: { continue?: string } };
    items += page.items.length;
    cont = page.metadata.continue ?? "";
  } while (cont);
  return { mode: limit > 0 ? `paged, limit=${limit}` : "one request", side, ms, bytes, items, requests, chunks };
}

/**
 * `rounds` of each mode, direct and tunnel alternating (which goes first
 * alternates too); the first round of each is a warm-up and not returned.
 * Timed from each request to its last byte, summed over the pages (the JSON
 * parse that finds the next page's continue token is not timed).
 */
export async function listThroughput(env: KubeApiEnv, ns: string, rounds: number): Promise<ListRun[]> {
  const clients = { direct: timedClient(env.direct), tunnel: timedClient(env.tunnel) };
  const out: ListRun[] = [];
  try {
    for (const limit of [0, 500]) {
      for (let i = 0; i <= rounds; i++) {
        const order = i % 2 === 0 ? (["direct", "tunnel"] as const) : (["tunnel", "direct"] as const);
        for (const side of order) {
          const cpu = (): [number, number] => [cpuSeconds(env.kasPid), env.agentkPids.reduce((n, p) => n + cpuSeconds(p), 0)];
          const c0 = cpu();
          const r = await listOnce(clients[side], side, ns, limit);
          const c1 = cpu();
          if (i > 0) out.push(side === "tunnel" ? { ...r, kasCpuMs: (c1[0] - c0[0]) * 1000, agentkCpuMs: (c1[1] - c0[1]) * 1000 } : r);
        }
      }
    }
    return out;
  } finally {
    clients.direct.close();
    clients.tunnel.close();
  }
}

/** kubectl get configmaps -o json (default chunking, and --chunk-size=0), wall time and output size. */
export async function kubectlList(env: KubeApiEnv, ns: string, rounds: number, cacheDir: string): Promise<ListRun[]> {
  const out: ListRun[] = [];
  for (const chunk of [undefined, "0"]) {
    for (let i = 0; i <= rounds; i++) {
      const order = i % 2 === 0 ? ([env.direct, env.tunnel] as const) : ([env.tunnel, env.direct] as const);
      for (const ep of order) {
        const t0 = performance.now();
        const args = ["kubectl", `--kubeconfig=${ep.kubeconfig}`, `--cache-dir=${cacheDir}/${ep.label}`, "get", "configmaps", "-n", ns, "-o", "json", ...(chunk ? [`--chunk-size=${chunk}`] : [])];
        const r = await run(env.cluster.binary, args, { maxBuffer: 256 * 1024 * 1024, encoding: "buffer" });
        const ms = performance.now() - t0;
        const items = (JSON.parse(r.stdout.toString("utf8")) as { items: unknown[] }).items.length;
        if (i > 0) out.push({ mode: chunk ? "kubectl --chunk-size=0" : "kubectl (chunk 500)", side: ep.label, ms, bytes: r.stdout.length, items, requests: NaN });
      }
    }
  }
  return out;
}
