/** big-agent's numbers as tables and aims (pure: the run is in big-agent.bench.ts). */
import type { HeapNumbers } from "./lib/agentk-probes";
import type { AllocationEntry } from "./lib/heap-profile";
import type { ProfileSummary } from "./lib/profile";
import type { Aim, BenchResult } from "./lib/report";
import { mib, ms } from "./lib/stats";

export interface BigAgentRun {
  /** Env settings and node flags tried ($BENCH_AGENTK_ENV, $BENCH_AGENTK_NODE_FLAGS); none is the image's form. */
  readonly nodeFlags?: readonly string[];
  readonly objects: number;
  readonly files: number;
  /** agentk's start to its "Synchronization finished" line of the first commit. */
  readonly firstWallMs: number;
  /** From its "Synchronizing objects" line to its end line (agentk's own timestamps). */
  readonly firstAgentMs: number;
  readonly firstResult: string;
  readonly firstWrites: number;
  /** VmHWM when the first sync ended: the peak since the process started. */
  readonly firstPeakBytes: number;
  readonly firstCpuSeconds: number;
  readonly afterFirstRssBytes: number;
  readonly afterFirstHeap: HeapNumbers;
  readonly noops: readonly {
    readonly wallMs: number;
    readonly agentMs: number;
    readonly result: string;
    /** Writes by the agent but its Lease renewals. */
    readonly writes: number;
    readonly leaseWrites: number;
    readonly writesByResource: Record<string, number>;
    readonly cpuSeconds: number;
    readonly peakBytes: number;
    /** agentk's V8 heap when the sync ended. */
    readonly heap: HeapNumbers;
  }[];
  readonly idle: { readonly cpuSeconds: number; readonly maxRssBytes: number; readonly rssBytes: number; readonly heap: HeapNumbers; readonly configMapWatches: number };
  readonly drift: { readonly revertMs: number; readonly writes: number };
}

const PEAK_AIM = 300 * 2 ** 20;
const NOOP_AIM_MS = 2000;

export function bigAgentReport(r: BigAgentRun, profiles: readonly ProfileSummary[], allocated: readonly { label: string; top: AllocationEntry[] }[] = []): BenchResult {
  const worstNoop = Math.max(...r.noops.map((n) => n.agentMs));
  const worstNoopWall = Math.max(...r.noops.map((n) => n.wallMs));
  const noopWrites = r.noops.reduce((s, n) => s + n.writes, 0);
  const peak = Math.max(r.firstPeakBytes, ...r.noops.map((n) => n.peakBytes));
  const aims: Aim[] = [
    { what: `peak RSS (VmHWM) over start, first sync of ${r.objects} objects and ${r.noops.length} no-op re-syncs`, target: "< 300 MiB", measured: mib(peak), met: peak < PEAK_AIM },
    { what: "no-op re-sync (agentk's own sync time, worst of runs)", target: "< 2 s", measured: ms(worstNoop), met: worstNoop < NOOP_AIM_MS },
    { what: "no-op re-sync writes", target: "0", measured: String(noopWrites), met: noopWrites === 0 },
  ];
  const flags = r.nodeFlags?.length ? r.nodeFlags.join(" ") : "";
  return {
    name: flags ? `big-agent-${flags.replace(/[^a-z0-9]+/gi, "-").replace(/^-+|-+$/g, "").toLowerCase()}` : "big-agent",
    title: `one agent, ${r.objects} ConfigMaps in ${r.files} files: peak RSS, first sync, no-op re-sync, drift watches`,
    method: {
      agentk: `node runtime/dist/cli.js agentk (npm run build:dist; the image's form)${flags ? ` with ${flags}` : ""}, NODE_ENV=production, as its least-privilege ServiceAccount`,
      cluster: "real test cluster with an audit log of writes; kas in the benchmark process (startTestKas, local repository: kas's file watch sends a commit at once)",
      project: `${r.objects} ConfigMaps, ${r.objects / r.files} documents to a file, ${r.files} files (kas's limit is 1000 files a commit), plus README.md outside the paths`,
      peak: "VmHWM of the agentk process when its first sync ends (the peak since it started)",
      firstSync: "wall: agentk's spawn to its 'Synchronization finished' line; agent: its 'Synchronizing objects' line to that line (its own timestamps)",
      noop: "a commit changing only README.md (outside the paths): kas sends a new batch of the same 1000 files; wall: commit to the end line; agent: start to end line. VmHWM reset before each",
      writes: "audit log events (create/update/patch/delete) by the agent's ServiceAccount; its leader-election Lease renewals (every few seconds, sync or not) counted apart",
      idle: "30 s with the drift watches open, 3 s after the last no-op re-sync: CPU (utime+stime), RSS, and apiserver_longrunning_requests WATCH configmaps minus the count before agentk started",
      drift: "admin patches one ConfigMap's data; time until GET shows the Git value again (agentk's watch saw it and re-applied)",
    },
    tables: [
      {
        columns: ["first sync (wall, from start)", "first sync (agent)", "writes", "CPU", "peak RSS (VmHWM)", "RSS 5 s after", "V8 heap used / total then"],
        rows: [[`${ms(r.firstWallMs)} (${r.firstResult})`, ms(r.firstAgentMs), String(r.firstWrites), `${r.firstCpuSeconds.toFixed(1)} s`, mib(r.firstPeakBytes), mib(r.afterFirstRssBytes), `${mib(r.afterFirstHeap.usedBytes)} / ${mib(r.afterFirstHeap.totalBytes)}`]],
      },
      {
        columns: ["no-op re-sync", "wall (commit to end)", "agent (start to end)", "writes (Lease renewals apart)", "CPU", "peak RSS (VmHWM, reset before)", "V8 heap used / total after"],
        rows: r.noops.map((n, i) => [String(i + 1), ms(n.wallMs), ms(n.agentMs), `${n.writes} (+${n.leaseWrites} Lease)`, `${n.cpuSeconds.toFixed(2)} s`, mib(n.peakBytes), `${mib(n.heap.usedBytes)} / ${mib(n.heap.totalBytes)}`]),
      },
      {
        columns: ["idle with drift watches (30 s)", "CPU", "RSS", "max RSS sampled", "V8 heap used / total", "configmap watches opened", "drift revert", "drift writes"],
        rows: [["", `${r.idle.cpuSeconds.toFixed(2)} s`, mib(r.idle.rssBytes), mib(r.idle.maxRssBytes), `${mib(r.idle.heap.usedBytes)} / ${mib(r.idle.heap.totalBytes)}`, String(r.idle.configMapWatches), ms(r.drift.revertMs), String(r.drift.writes)]],
      },
    ],
    aims,
    notes: [
      `Worst no-op wall time (commit to end, includes kas reading the commit and sending 1000 files): ${ms(worstNoopWall)}.`,
      ...profiles.map((p) => `profile "${p.label}": ${p.busyMs} ms busy of ${p.wallMs} ms; by place: ${p.byPlace.slice(0, 6).map((e) => `${e.name} ${e.selfMs} ms`).join(", ")}`),
    ],
    raw: { run: r, profiles, allocated },
  };
}
