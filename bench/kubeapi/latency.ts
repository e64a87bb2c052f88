/**
 * Added latency: sequential GETs of a small object through kas's Kubernetes
 * API proxy and directly, interleaved sample by sample (so load drift hits
 * both), with a keep-alive https client and with the real kubectl binary.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { Endpoint, KubeApiEnv } from "../lib/kubeapi-env";
import { percentile } from "../lib/stats";
import { timedClient } from "../lib/timed-https";

const run = promisify(execFile);

export interface Target {
  readonly what: string;
  /** The API path the https client GETs. */
  readonly path: string;
  /** kubectl's arguments for the same read. */
  readonly kubectl: readonly string[];
}

export interface LatencySeries {
  readonly what: string;
  readonly client: "https keep-alive" | "kubectl";
  readonly direct: number[];
  readonly tunnel: number[];
  readonly bytes: number;
}

export function summary(s: LatencySeries): { p50: [number, number]; p95: [number, number] } {
  return { p50: [percentile(s.direct, 50), percentile(s.tunnel, 50)], p95: [percentile(s.direct, 95), percentile(s.tunnel, 95)] };
}

/** `samples` GETs per endpoint after `warmup` each, one at a time, direct and tunnel alternating. */
export async function httpsLatency(env: KubeApiEnv, target: Target, samples: number, warmup: number): Promise<LatencySeries> {
  const clients = { direct: timedClient(env.direct), tunnel: timedClient(env.tunnel) };
  try {
    const series: LatencySeries = { what: target.what, client: "https keep-alive", direct: [], tunnel: [], bytes: 0 };
    for (let i = 0; i < warmup + samples; i++) {
      // Alternate which goes first, so neither always follows the other.
      const order = i % 2 === 0 ? (["direct", "tunnel"] as const) : (["tunnel", "direct"] as const);
      for (const side of order) {
        const r = await clients[side].get(target.path);
        if (r.status !== 200) throw new Error(`${side} GET ${target.path}: HTTP ${r.status}`);
        if (i >= warmup) series[side].push(r.ms);
        if (side === "direct" && i === 0) (series as { bytes: number }).bytes = r.bytes;
      }
    }
    return series;
  } finally {
    clients.direct.close();
    clients.tunnel.close();
  }
}

/** kubectl's wall time, process start included, alternating endpoints; the discovery cache is warmed first. */
export async function kubectlLatency(env: KubeApiEnv, target: Target, samples: number, cacheDir: string): Promise<LatencySeries> {
  const once = async (ep: Endpoint): Promise<number> => {
    const t0 = performance.now();
    await run(env.cluster.binary, ["kubectl", `--kubeconfig=${ep.kubeconfig}`, `--cache-dir=${cacheDir}/${ep.label}`, ...target.kubectl], { maxBuffer: 64 * 1024 * 1024 });
    return performance.now() - t0;
  };
  const series: LatencySeries = { what: target.what, client: "kubectl", direct: [], tunnel: [], bytes: 0 };
  await once(env.direct);
  await once(env.tunnel);
  for (let i = 0; i < samples; i++) {
    const order = i % 2 === 0 ? ([env.direct, env.tunnel] as const) : ([env.tunnel, env.direct] as const);
    for (const ep of order) series[ep.label].push(await once(ep));
  }
  return series;
}
