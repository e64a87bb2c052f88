/**
 * kas-replicas (issue 20's benchmarks): several kas processes sharing one
 * real redis-server. Measured, each in the same run so ratios compare on a
 * busy machine:
 *   idle    Redis commands per agent per minute with every agent connected and nothing happening, at two fleet sizes;
 *   fanout  a config commit (push webhook to replica 0) -> every agent, 3 replicas vs 1, same agents;
 *   tunnel  a GET through the Kubernetes API proxy to an agent on the same replica vs on another one.
 * BENCH_KAS_REPLICAS_PARTS=idle,fanout,tunnel (default all) picks parts.
 */
import { measureTunnelOverhead, type TunnelOverhead } from "./kas-replicas-tunnel";
import { redisCommandCounts, startFleet, type Fleet } from "./lib/kas-fleet";
import { replicasReport, type FanoutRow, type IdleRow } from "./kas-replicas-report";
import type { BenchResult } from "./lib/report";
import { percentile, sleep } from "./lib/stats";
import type { BenchOptions } from "./run";

const PARTS = new Set((process.env.BENCH_KAS_REPLICAS_PARTS ?? "idle,fanout,tunnel").split(","));
const IDLE_SIZES = (process.env.BENCH_KAS_REPLICAS_IDLE ?? "100,500").split(",").map(Number);
const FANOUT_SIZES = (process.env.BENCH_KAS_REPLICAS_FANOUT ?? "300,1000").split(",").map(Number);
export const REPLICAS = 3;
export const IDLE_WINDOW_MS = Number(process.env.BENCH_KAS_REPLICAS_IDLE_MS ?? 60_000);
/** After the last agent connects: every replica's first presence refresh and access read are behind it. */
export const IDLE_SETTLE_MS = 15_000;
export const COMMITS = 3;
const FANOUT_TIMEOUT_MS = 90_000;

export async function runKasReplicas(options: BenchOptions): Promise<BenchResult> {
  const { log } = options;
  const idle: IdleRow[] = [];
  const fanout: FanoutRow[] = [];
  let tunnel: TunnelOverhead | undefined;
  const sizes = [...new Set([...(PARTS.has("idle") ? IDLE_SIZES : []), ...(PARTS.has("fanout") ? FANOUT_SIZES : [])])].sort((a, b) => a - b);
  for (const replicas of PARTS.has("fanout") ? [REPLICAS, 1] : PARTS.has("idle") ? [REPLICAS] : []) {
    const fleet = await startFleet(replicas, Math.max(...sizes), log);
    try {
      for (const n of sizes) {
        const c = await fleet.connectUpTo(n);
        log(`kas-replicas: ${replicas} replicas, ${c.connected} of ${n} agents connected${c.errors.length ? `; errors: ${c.errors.slice(0, 3).join("; ")}` : ""}`);
        if (PARTS.has("idle") && IDLE_SIZES.includes(n) && replicas === REPLICAS) idle.push(await measureIdle(fleet, replicas, n, log));
        if (PARTS.has("fanout") && FANOUT_SIZES.includes(n)) fanout.push(await measureFanout(fleet, replicas, n, log));
      }
    } finally {
      await fleet.close();
    }
  }
  if (PARTS.has("tunnel")) {
    tunnel = await measureTunnelOverhead(log);
    log(`kas-replicas: tunnel GET p50 same ${tunnel.same.p50.toFixed(2)} ms, cross ${tunnel.cross.p50.toFixed(2)} ms`);
  }
  return replicasReport({ idle, fanout, tunnel });
}

async function measureIdle(fleet: Fleet, replicas: number, agents: number, log: (l: string) => void): Promise<IdleRow> {
  await sleep(IDLE_SETTLE_MS);
  const before = redisCommandCounts(fleet.redis);
  const t0 = Date.now();
  await sleep(IDLE_WINDOW_MS);
  const after = redisCommandCounts(fleet.redis);
  const minutes = (Date.now() - t0) / 60_000;
  // The two INFO calls of the first snapshot are counted in the second: take them off.
  const total = after.total - before.total - 2;
  const byCommand = Object.fromEntries(
    Object.entries(after.byCommand)
      .map(([k, v]) => [k, v - (before.byCommand[k] ?? 0) - (k === "info" ? 2 : 0)] as const)
      .filter(([, v]) => v > 0),
  );
  const row: IdleRow = { replicas, agents, windowS: minutes * 60, total, perAgentPerMinute: total / agents / minutes, byCommand };
  log(`kas-replicas: idle, ${agents} agents on ${replicas} replicas: ${total} commands in ${(minutes * 60).toFixed(0)} s = ${row.perAgentPerMinute.toFixed(2)} per agent per minute (${JSON.stringify(byCommand)})`);
  return row;
}

async function measureFanout(fleet: Fleet, replicas: number, agents: number, log: (l: string) => void): Promise<FanoutRow> {
  const runs: FanoutRow["runs"][number][] = [];
  // One commit unmeasured: the first after new agents connected pays for warming up (JIT, each replica's first read of the new pack).
  await fleet.commitAndWait(FANOUT_TIMEOUT_MS);
  await sleep(2000);
  for (let i = 1; i <= COMMITS; i++) {
    const r = await fleet.commitAndWait(FANOUT_TIMEOUT_MS);
    runs.push({ p50Ms: percentile(r.times, 50), maxMs: r.missing > 0 ? NaN : Math.max(...r.times), missing: r.missing });
    log(`kas-replicas: fan-out, ${agents} agents on ${replicas} replicas, commit ${i}: p50 ${percentile(r.times, 50).toFixed(0)} ms, all ${r.missing ? `${r.missing} missing` : `${Math.max(...r.times).toFixed(0)} ms`}`);
    await sleep(2000);
  }
  return { replicas, agents, runs };
}
