/**
 * Cross-replica tunnel overhead: the test/routing pair of replicas (two kas
 * sharing a real redis-server, presence from Redis as in production, a real
 * agentk tunnel pool connected to A answering from a loopback apiserver) and
 * each replica's Kubernetes API proxy. The same small GET, alternately through
 * A's proxy (the agent's own replica) and B's (forwarded to A over the private
 * API), keep-alive clients, after a warm-up of each.
 */
import * as http from "node:http";
import { startTwoReplicas } from "../test/routing/harness";
import { until } from "../test/until";
import { percentile } from "./lib/stats";

const SAMPLES = Number(process.env.BENCH_KAS_REPLICAS_TUNNEL_SAMPLES ?? 200);
const WARMUP = 20;
const PATH = "/api/v1/namespaces/dude/configmaps";
const BODY = JSON.stringify({ kind: "ConfigMapList", items: [{ metadata: { name: "hello" } }] });

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
  const apiserver = http.createServer((_req, res) => void res.writeHead(200, { "content-type": "application/json" }).end(BODY));
  const r = await startTwoReplicas(apiserver, 4, "redis");
  try {
    const auth = r.authorization();
    const failures: string[] = [];
    let failed = 0;
    const get = async (base: string): Promise<number> => {
      const t0 = performance.now();
      const res = await fetch(`${base}${PATH}`, { headers: { authorization: auth } });
      const text = await res.text();
      const t = performance.now() - t0;
      if (res.status === 200 && text === BODY) return t;
      if (++failed <= 5) failures.push(`${base === r.proxyUrl ? "cross" : "same"}: ${res.status} ${text.slice(0, 200)}`);
      return NaN;
    };
    // B learns from Redis where the agent is (presence is written within a refresh).
    await until("B routes to A", async () => (Number.isNaN(await get(r.proxyUrl)) ? undefined : true), 30_000);
    [failed, failures.length] = [0, 0];
    for (let i = 0; i < WARMUP; i++) {
      await get(r.aProxyUrl);
      await get(r.proxyUrl);
    }
    const same: number[] = [];
    const cross: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      // Alternate which goes first, so neither always follows the other's work.
      if (i % 2 === 0) {
        same.push(await get(r.aProxyUrl));
        cross.push(await get(r.proxyUrl));
      } else {
        cross.push(await get(r.proxyUrl));
        same.push(await get(r.aProxyUrl));
      }
    }
    log(`kas-replicas: tunnel: ${SAMPLES} GETs each way done`);
    return {
      method: `test/routing's two replicas (in the benchmark process; a real redis-server for presence; a real agentk tunnel pool of 4 on A; loopback apiserver answering ${BODY.length} bytes); ${SAMPLES} GETs of ${PATH} through each proxy (plain http on loopback, keep-alive fetch, CI ID token), alternating, after ${WARMUP} warm-up each`,
      same: summarize(same.filter((x) => !Number.isNaN(x))),
      cross: summarize(cross.filter((x) => !Number.isNaN(x))),
      failures: { count: failed, of: 2 * SAMPLES, first: failures },
      raw: { same, cross },
    };
  } finally {
    await r.stop();
  }
}

function summarize(xs: readonly number[]): LatencySummary {
  return { n: xs.length, p50: percentile(xs, 50), p95: percentile(xs, 95), max: Math.max(...xs) };
}
