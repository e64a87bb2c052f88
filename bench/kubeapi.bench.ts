/**
 * kubeapi: the Kubernetes API through kas and agentk (issue 17) against the
 * apiserver directly, in the same run, with the same ServiceAccount: added
 * latency of small GETs (keep-alive https client and kubectl), throughput of
 * a LIST of 10,000 ConfigMaps (whole and paged), and kas's memory with 100
 * `logs -f` streams open. kas and agentk run as processes (bin/kas, bin/agentk).
 */
import * as path from "node:path";
import { kubectlLatency, httpsLatency, summary, type LatencySeries, type Target } from "./kubeapi/latency";
import { createConfigMaps, kubectlList, listThroughput, type ListRun } from "./kubeapi/list";
import { logsMemory, type LogsMemory } from "./kubeapi/logs-memory";
import { AGENT_NS, AGENTK_REPLICAS, AGENTK_TUNNELS, FORM, KAS_LIMITS, startKubeApiEnv, type KubeApiEnv } from "./lib/kubeapi-env";
import { describeProfile, remoteProfiler, type ProfileSummary, type Profiler } from "./lib/profile";
import type { Aim, BenchResult, Table } from "./lib/report";
import { mib, percentile } from "./lib/stats";
import { freePorts } from "../test/cluster/ports";
import type { BenchOptions } from "./run";

const NS = "dude";
const BULK_NS = "bulk";
const N = { samples: Number(process.env.BENCH_KUBEAPI_SAMPLES ?? 200), warmup: 20, kubectl: Number(process.env.BENCH_KUBEAPI_KUBECTL ?? 50), configMaps: Number(process.env.BENCH_KUBEAPI_CONFIGMAPS ?? 10_000), listRounds: Number(process.env.BENCH_KUBEAPI_ROUNDS ?? 5), kubectlListRounds: 3, streams: 100 };
/** BENCH_KUBEAPI_PARTS=latency,list,logs (default all three): a subset, for a quick look while working. */
const PARTS = new Set((process.env.BENCH_KUBEAPI_PARTS ?? "latency,list,logs").split(","));
const LOGS = { windowMs: 20_000, linesPerTick: 10, tickMs: 100 };
const TARGETS: Target[] = [
  { what: `ConfigMap (GET ${NS}/small)`, path: `/api/v1/namespaces/${NS}/configmaps/small`, kubectl: ["get", "configmap", "small", "-n", NS, "-o", "json"] },
  { what: `10 pods (LIST ${NS}, labelSelector)`, path: `/api/v1/namespaces/${NS}/pods?labelSelector=bench%3Dlist`, kubectl: ["get", "pods", "-n", NS, "-l", "bench=list", "-o", "json"] },
];

export async function runKubeApi(options: BenchOptions): Promise<BenchResult> {
  const { log } = options;
  const ports = options.profile ? ((await freePorts(1 + AGENTK_REPLICAS)) as number[]) : undefined;
  const env = await startKubeApiEnv([NS, BULK_NS], log, ports && { kas: ports[0] as number, agentk: ports.slice(1) });
  const profiles: ProfileSummary[] = [];
  try {
    await seed(env, log);
    const profiled = async <T>(label: string, fn: () => Promise<T>): Promise<T> => {
      if (!ports) return fn();
      const profilers: [string, Profiler][] = [];
      for (const [i, p] of ports.entries()) profilers.push([i === 0 ? "kas" : `agentk-${i - 1}`, await remoteProfiler(p)]);
      for (const [, p] of profilers) await p.start();
      const r = await fn();
      for (const [who, p] of profilers) {
        const s = await p.stop(`${label}: ${who}`);
        profiles.push(s);
        log(describeProfile(s));
        await p.close();
      }
      return r;
    };
    const latency: LatencySeries[] = [];
    for (const t of PARTS.has("latency") ? TARGETS : []) {
      const s = await profiled(`latency ${t.what}`, () => httpsLatency(env, t, N.samples, N.warmup));
      latency.push(s);
      log(`kubeapi: ${t.what}, https: p50 direct ${summary(s).p50[0].toFixed(2)} ms, tunnel ${summary(s).p50[1].toFixed(2)} ms`);
    }
    for (const t of PARTS.has("latency") ? TARGETS : []) {
      const s = await kubectlLatency(env, t, N.kubectl, path.join(env.dir, "kube-cache"));
      latency.push(s);
      log(`kubeapi: ${t.what}, kubectl: p50 direct ${summary(s).p50[0].toFixed(0)} ms, tunnel ${summary(s).p50[1].toFixed(0)} ms`);
    }
    const lists: ListRun[] = [];
    if (PARTS.has("list")) {
      log(`kubeapi: creating ${N.configMaps} ConfigMaps in ${BULK_NS}`);
      await createConfigMaps(env.direct, BULK_NS, N.configMaps, log);
      lists.push(...(await profiled("LIST", () => listThroughput(env, BULK_NS, N.listRounds))));
      for (const m of new Set(lists.map((l) => l.mode))) log(`kubeapi: LIST ${m}: ${listLine(lists.filter((l) => l.mode === m))}`);
      lists.push(...(await kubectlList(env, BULK_NS, N.kubectlListRounds, path.join(env.dir, "kube-cache"))));
    }
    const memory = PARTS.has("logs") ? await logsMemory(env, { streams: N.streams, pod: "web", ns: NS, ...LOGS, log }) : undefined;
    if (memory) log(`kubeapi: kas RSS before ${mib(memory.before.rssBytes)}, with ${memory.opened} streams ${mib(memory.during.rssBytes)} (peak ${mib(memory.during.peakRssBytes)}), after ${mib(memory.after.rssBytes)}`);
    return report(latency, lists, memory, profiles);
  } finally {
    await env.stop();
  }
}

/** The objects read: a small ConfigMap, 10 pods (plus `web`, whose log is followed), and the right to read logs. */
async function seed(env: KubeApiEnv, log: (l: string) => void): Promise<void> {
  const admin = (args: string[]) => env.cluster.kubectl(args);
  await admin(["create", "configmap", "small", "-n", NS, "--from-literal=greeting=hello", "--from-literal=target=world"]);
  await admin(["run", "web", "-n", NS, "--image=nginx:1.14.2"]);
  for (let i = 0; i < 10; i++) await admin(["run", `p-${i}`, "-n", NS, "--image=nginx:1.14.2", "--labels=bench=list"]);
  await admin(["wait", "-n", NS, "--for=condition=Ready", "pod/web", "--timeout=120s"]);
  await admin(["create", "role", "ci-logs", "-n", NS, "--verb=get", "--resource=pods/log"]);
  await admin(["create", "rolebinding", "ci-logs", "-n", NS, "--role=ci-logs", `--serviceaccount=${AGENT_NS}:agentk`]);
  env.cluster.appendPodLog("first line");
  log("kubeapi: seeded (ConfigMap small, 11 pods, pods/log role)");
}

const MB = 1e6;
const median = (xs: readonly number[]) => percentile(xs, 50);

function listLine(runs: readonly ListRun[]): string {
  const d = runs.filter((r) => r.side === "direct");
  const t = runs.filter((r) => r.side === "tunnel");
  const rate = (rs: readonly ListRun[]) => (rs[0]?.bytes ?? 0) / MB / (median(rs.map((r) => r.ms)) / 1000);
  return `chunks direct ${d[0]?.chunks}, tunnel ${t[0]?.chunks}; direct ${rate(d).toFixed(1)} MB/s, tunnel ${rate(t).toFixed(1)} MB/s (${((100 * rate(t)) / rate(d)).toFixed(0)} %); CPU ms/MB kas ${cpuPerMb(t, "kasCpuMs")}, agentk ${cpuPerMb(t, "agentkCpuMs")}`;
}

/** Median CPU milliseconds per MB relayed over the tunnel runs. */
function cpuPerMb(runs: readonly ListRun[], key: "kasCpuMs" | "agentkCpuMs"): string {
  const v = median(runs.map((r) => (r[key] ?? NaN) / (r.bytes / MB)));
  return Number.isFinite(v) ? v.toFixed(1) : "-";
}

function report(latency: readonly LatencySeries[], lists: readonly ListRun[], memory: LogsMemory | undefined, profiles: readonly ProfileSummary[]): BenchResult {
  const f = (v: number) => (v < 100 ? v.toFixed(2) : v.toFixed(0));
  const latencyTable: Table = {
    columns: ["read", "client", "samples (each side)", "direct p50", "tunnel p50", "added p50", "direct p95", "tunnel p95", "added p95", "response bytes"],
    rows: latency.map((s) => {
      const { p50, p95 } = summary(s);
      return [s.what, s.client, String(s.direct.length), `${f(p50[0])} ms`, `${f(p50[1])} ms`, `${f(p50[1] - p50[0])} ms`, `${f(p95[0])} ms`, `${f(p95[1])} ms`, `${f(p95[1] - p95[0])} ms`, s.bytes ? String(s.bytes) : "-"];
    }),
  };
  const modes = [...new Set(lists.map((l) => l.mode))];
  const rate = (rs: readonly ListRun[]) => (rs[0]?.bytes ?? 0) / MB / (median(rs.map((r) => r.ms)) / 1000);
  const listTable: Table = {
    columns: ["LIST of ConfigMaps", "requests", "items", "MB", "runs (each side)", "direct median", "tunnel median", "direct MB/s", "tunnel MB/s", "tunnel / direct", "CPU ms per MB: kas / agentk"],
    rows: modes.map((m) => {
      const d = lists.filter((l) => l.mode === m && l.side === "direct");
      const t = lists.filter((l) => l.mode === m && l.side === "tunnel");
      const first = d[0] as ListRun;
      return [m, Number.isNaN(first.requests) ? "-" : String(first.requests), String(first.items), (first.bytes / MB).toFixed(2), String(d.length), `${median(d.map((r) => r.ms)).toFixed(0)} ms`, `${median(t.map((r) => r.ms)).toFixed(0)} ms`, rate(d).toFixed(1), rate(t).toFixed(1), `${((100 * rate(t)) / rate(d)).toFixed(0)} %`, `${cpuPerMb(t, "kasCpuMs")} / ${cpuPerMb(t, "agentkCpuMs")}`];
    }),
  };
  const memoryTable = memory && memoryRows(memory);
  const aims: Aim[] = [];
  for (const s of latency.filter((l) => l.client === "https keep-alive")) {
    const added = summary(s).p50[1] - summary(s).p50[0];
    aims.push({ what: `added p50 latency, ${s.what}`, target: "< 5 ms", measured: `${added.toFixed(2)} ms`, met: added < 5 });
  }
  for (const m of modes.filter((x) => !x.startsWith("kubectl"))) {
    const ratio = rate(lists.filter((l) => l.mode === m && l.side === "tunnel")) / rate(lists.filter((l) => l.mode === m && l.side === "direct"));
    aims.push({ what: `LIST throughput through the tunnel, ${m}`, target: ">= 80 % of direct", measured: `${(100 * ratio).toFixed(0)} %`, met: ratio >= 0.8 });
  }
  return {
    name: "kubeapi",
    title: "the Kubernetes API through kas and agentk vs direct",
    method: {
      processes: `kas: ${FORM === "dist" ? "node runtime/dist/cli.js kas" : "bin/kas (ts-node)"} --config, log_level info; agentk: ${FORM === "dist" ? "node runtime/dist/cli.js agentk" : "bin/agentk (ts-node)"} x ${AGENTK_REPLICAS} --tunnels ${AGENTK_TUNNELS}, as ServiceAccount ${AGENT_NS}/agentk; the test cluster (kube-apiserver, etcd, KWOK with its kubelet server)`,
      kasLimits: KAS_LIMITS,
      direct: "https to kube-apiserver with the agent ServiceAccount's token",
      tunnel: "https to kas's listen.kubernetes_api with `Bearer ci:<agent id>:<ID token>` (access_as agent): agentk forwards with the same ServiceAccount token",
      latency: `${N.samples} GETs each side after ${N.warmup} warm-up, one at a time on one keep-alive connection each, direct and tunnel alternating; kubectl: ${N.kubectl} runs each side (process start included), discovery cache warmed`,
      list: `${N.configMaps} ConfigMaps of ~1 KiB data in one namespace; ${N.listRounds} runs each side after a warm-up, alternating; one request (no limit) and pages of limit=500 with continue (time summed over pages, JSON parse not timed); kubectl get -o json ${N.kubectlListRounds} runs each side`,
      logs: `${N.streams} GET .../pods/web/log?follow=true through kas, each on its own TLS connection, opened 10 at a time; ${LOGS.linesPerTick} lines of ~106 bytes appended every ${LOGS.tickMs} ms for ${LOGS.windowMs / 1000} s (every stream gets every line); kas RSS from /proc, heap from kas /metrics (nodejs_heap_used_bytes)`,
    },
    tables: [latencyTable, listTable, ...(memoryTable ? [memoryTable] : [])].filter((t) => t.rows.length > 0),
    aims,
    notes: [
      ...(memory ? [logsNote(memory)] : []),
      `100 streams need kas's agent_connections.max_tunnel_requests_per_agent (default 64) and max_streams_per_agent (default 100; tunnels count) raised, and more than one agentk: one agentk serves at most 64 requests at once`,
    ],
    raw: { latency, lists, memory, profiles },
  };
}

function memoryRows(memory: LogsMemory): Table {
  const agentk = (xs: readonly number[]) => xs.map(mib).join(", ");
  return {
    columns: ["kas, 100 logs -f streams", "kas RSS", "kas V8 heap used", "kas tunnels in use", `agentk RSS (${AGENTK_REPLICAS} replicas)`],
    rows: [
      ["before (idle, 16 idle tunnels)", mib(memory.before.rssBytes), mib(memory.before.heapUsedBytes), String(memory.before.tunnelsInUse), agentk(memory.agentkRssBytes.before)],
      [`${memory.opened} streams open, lines flowing (end of ${(memory.during.windowMs / 1000).toFixed(0)} s window; peak RSS ${mib(memory.during.peakRssBytes)})`, mib(memory.during.rssBytes), mib(memory.during.heapUsedBytes), String(memory.during.tunnelsInUse), agentk(memory.agentkRssBytes.during)],
      ["5 s after the streams closed", mib(memory.after.rssBytes), mib(memory.after.heapUsedBytes), String(memory.after.tunnelsInUse), agentk(memory.agentkRssBytes.after)],
    ],
  };
}

function logsNote(memory: LogsMemory): string {
  const [minLines, maxLines] = memory.linesPerStream;
  const errors = memory.errors.length ? `; errors: ${memory.errors.slice(0, 5).join("; ")}` : "";
  return `logs: ${memory.opened}/${memory.streams} streams opened in ${Math.round(memory.openMs)} ms; ${memory.linesWritten} lines written in the window, each stream received ${minLines}-${maxLines}; ${(memory.bytesReceived / MB).toFixed(1)} MB delivered in all; kas CPU in the window ${memory.during.kasCpuS.toFixed(2)} s${errors}`;
}
