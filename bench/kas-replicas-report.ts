/** kas-replicas' tables and aims (pure: from the measured rows). */
import type { TunnelOverhead } from "./kas-replicas-tunnel";
import type { Aim, BenchResult, Table } from "./lib/report";
import { ms, percentile } from "./lib/stats";

export interface IdleRow {
  readonly replicas: number;
  readonly agents: number;
  readonly windowS: number;
  /** Commands Redis processed in the window (INFO stats), the benchmark's own INFO calls taken off. */
  readonly total: number;
  readonly perAgentPerMinute: number;
  readonly byCommand: Record<string, number>;
}

export interface FanoutRow {
  readonly replicas: number;
  readonly agents: number;
  readonly runs: readonly { readonly p50Ms: number; readonly maxMs: number; readonly missing: number }[];
}

/** Aim: a connected, idle agent costs Redis at most this many commands a minute. */
export const IDLE_AIM_PER_AGENT_MINUTE = 20;

export function replicasReport(r: { idle: readonly IdleRow[]; fanout: readonly FanoutRow[]; tunnel?: TunnelOverhead | undefined }): BenchResult {
  const tables: Table[] = [];
  const aims: Aim[] = [];
  const notes: string[] = [];
  if (r.idle.length > 0) {
    tables.push({
      columns: ["agents", "replicas", "window", "Redis commands", "per agent per minute", "by command"],
      rows: r.idle.map((i) => [String(i.agents), String(i.replicas), `${i.windowS.toFixed(0)} s`, String(i.total), i.perAgentPerMinute.toFixed(2), describeCommands(i.byCommand)]),
    });
    const [small, big] = [r.idle[0] as IdleRow, r.idle.at(-1) as IdleRow];
    if (big.agents > small.agents) {
      const perMin = (i: IdleRow) => (i.total / i.windowS) * 60;
      const slope = (perMin(big) - perMin(small)) / (big.agents - small.agents);
      const fixed = perMin(small) - slope * small.agents;
      notes.push(`idle: per agent ${slope.toFixed(2)} commands a minute (slope between ${small.agents} and ${big.agents} agents), plus ${fixed.toFixed(0)} a minute for the ${small.replicas} replicas together whatever the agents (access book reads, poll lease renewals).`);
      aims.push({ what: "Redis commands per idle agent per minute: constant (slope vs average at the larger size within 25 %)", target: "constant", measured: `slope ${slope.toFixed(2)}, at ${big.agents} agents ${big.perAgentPerMinute.toFixed(2)}`, met: Math.abs(big.perAgentPerMinute - slope) <= 0.25 * slope });
    }
    aims.push({ what: "Redis commands per idle agent per minute: small", target: `<= ${IDLE_AIM_PER_AGENT_MINUTE}`, measured: big.perAgentPerMinute.toFixed(2), met: big.perAgentPerMinute <= IDLE_AIM_PER_AGENT_MINUTE });
  }
  if (r.fanout.length > 0) {
    const cell = (f: FanoutRow | undefined, pick: (x: FanoutRow["runs"][number]) => number) => (f ? f.runs.map((x) => (x.missing ? `${x.missing} missing` : ms(pick(x)))).join(", ") : "-");
    const med = (f: FanoutRow | undefined, pick: (x: FanoutRow["runs"][number]) => number) => (f ? percentile(f.runs.map(pick), 50) : NaN);
    const agents = [...new Set(r.fanout.map((f) => f.agents))];
    tables.push({
      columns: ["agents", "replicas", "commit -> half (p50), each run", "commit -> all (max), each run", "median max: 3 replicas / 1"],
      rows: agents.flatMap((n) => {
        const one = r.fanout.find((f) => f.agents === n && f.replicas === 1);
        return r.fanout.filter((f) => f.agents === n).map((f) => [String(n), String(f.replicas), cell(f, (x) => x.p50Ms), cell(f, (x) => x.maxMs), f.replicas === 1 || !one ? "" : (med(f, (x) => x.maxMs) / med(one, (x) => x.maxMs)).toFixed(2)]);
      }),
    });
    for (const n of agents) {
      const [three, one] = [r.fanout.find((f) => f.agents === n && f.replicas > 1), r.fanout.find((f) => f.agents === n && f.replicas === 1)];
      if (!three || !one) continue;
      const ratio = med(three, (x) => x.maxMs) / med(one, (x) => x.maxMs);
      aims.push({ what: `${n} agents: commit -> all with ${three.replicas} replicas no slower than 1 replica (+ one refresh hop)`, target: "ratio <= 1.5", measured: `${ratio.toFixed(2)} (${ms(med(three, (x) => x.maxMs))} vs ${ms(med(one, (x) => x.maxMs))})`, met: ratio <= 1.5 });
    }
  }
  if (r.tunnel) {
    const t = r.tunnel;
    tables.push({
      columns: ["GET through the k8s API proxy", "requests", "p50", "p95", "max"],
      rows: [
        ["agent on the same replica", String(t.same.n), ms2(t.same.p50), ms2(t.same.p95), ms2(t.same.max)],
        ["agent on another replica (private API)", String(t.cross.n), ms2(t.cross.p50), ms2(t.cross.p95), ms2(t.cross.max)],
        ["cross / same", "", (t.cross.p50 / t.same.p50).toFixed(2), (t.cross.p95 / t.same.p95).toFixed(2), ""],
      ],
    });
    if (t.failures.count > 0) notes.push(`tunnel: ${t.failures.count} of ${t.failures.of} requests not answered 200 (left out of the percentiles): ${t.failures.first.join("; ")}`);
    aims.push({ what: "cross-replica tunnel GET: added p50 over same-replica", target: "< 5 ms", measured: ms2(t.cross.p50 - t.same.p50), met: t.cross.p50 - t.same.p50 < 5 });
  }
  return {
    name: "kas-replicas",
    title: "kas replicas sharing state in Redis (issue 20)",
    method: {
      fleet: "a real redis-server (test/redis), kas replicas as bin/kas processes (log_level warn, private API on), the configuration project remote over smart HTTP (poll 10 min), one simulated-agent client process per replica (bench/kas-scale-client.ts: a gRPC channel and GetConfiguration stream per agent), agent i on replica i mod replicas",
      idle: "INFO stats total_commands_processed and INFO commandstats before and after an idle window, 15 s after the last agent connected; the benchmark's own INFO calls taken off",
      fanout: "a commit changing every agent's config.yaml, then a push webhook to replica 0 only; from the webhook's send to each agent receiving that commit (same clock); per size one warm-up commit, then 3 measured",
      tunnel: r.tunnel?.method ?? "not run",
    },
    tables,
    aims,
    notes: [...notes, "Other work ran on the same 2 cores during this run (see the load average): absolute times are inflated; compare the ratios measured in the same run."],
    raw: r,
  };
}

/** Sub-millisecond latencies: two decimals. */
const ms2 = (v: number): string => `${v.toFixed(2)} ms`;

function describeCommands(byCommand: Record<string, number>): string {
  return Object.entries(byCommand)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
}
