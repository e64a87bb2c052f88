/** The peers benchmark's tables: per (objects, count, step) row, each tool's numbers and ours/peer ratios. */
import type { Mix } from "./lib/manifests";
import type { Aim, BenchResult, Table } from "./lib/report";
import { ms } from "./lib/stats";

export const TOOLS = ["agentk", "kubectl", "cli-utils", "flux-ssa"] as const;
export type Tool = (typeof TOOLS)[number];
/** The tools ours must beat on every row (kubectl is shown for reference). */
const RIVALS: readonly Tool[] = ["cli-utils", "flux-ssa"];
export const PEER_STEPS = ["first apply", "changed re-apply", "no-op re-apply", "prune of half"] as const;
export type PeerStep = (typeof PEER_STEPS)[number];

export interface PeerMeasurement {
  readonly mix: Mix;
  readonly size: number;
  readonly step: PeerStep;
  readonly tool: Tool;
  /** 1, or the repetition of the size's whole sequence (fresh namespaces and inventories). */
  readonly rep: number;
  /** Ours: syncCommit in this process; others: as the tool measured itself (bench/peers), see method. */
  readonly wallMs: number;
  /** Others: the harness process's wall time as the benchmark saw it (process start and exit included). */
  readonly processWallMs?: number;
  /** Write requests by the ServiceAccount (audit log). */
  readonly writes: number;
  /** Every request by the ServiceAccount: reads, dry-runs, lists and watches too (audit log). */
  readonly requests: number;
  /** The ServiceAccount's requests by "verb resource[/subresource]" (audit log). */
  readonly requestsBy: Readonly<Record<string, number>>;
  readonly serverCpuS: number;
  readonly toolCpuS: number;
  readonly toolRssKiB: number;
  readonly detail: string;
}

export interface PeersMethod {
  readonly sizes: readonly number[];
  readonly mixes: readonly Mix[];
  /** Repetitions of each size's sequence. */
  readonly reps: Readonly<Record<number, number>>;
  readonly replicas: number;
  readonly quiet: string;
}

/** The run with the median wall time (the lower middle of an even count), as a list of zero or one. */
function medianOf(runs: readonly PeerMeasurement[]): PeerMeasurement[] {
  const sorted = [...runs].sort((a, b) => a.wallMs - b.wallMs);
  const m = sorted[Math.floor((sorted.length - 1) / 2)];
  return m ? [m] : [];
}

const ratio = (a: number, b: number): string => (b > 0 ? (a / b).toFixed(2) : a === 0 ? "=" : "n/a");
const each = (byTool: Map<Tool, PeerMeasurement>, f: (m: PeerMeasurement) => string): string => TOOLS.map((t) => (byTool.has(t) ? f(byTool.get(t) as PeerMeasurement) : "-")).join(" / ");

export function peersReport(results: readonly PeerMeasurement[], method: PeersMethod): BenchResult {
  const wall: string[][] = [];
  const requests: string[][] = [];
  const cost: string[][] = [];
  const slower: string[] = [];
  const chattier: string[] = [];
  let rows = 0;
  for (const mix of method.mixes) {
    for (const size of method.sizes) {
      for (const step of PEER_STEPS) {
        const here = results.filter((r) => r.mix === mix && r.size === size && r.step === step);
        const byTool = new Map(TOOLS.flatMap((t) => medianOf(here.filter((r) => r.tool === t)).map((m) => [t, m] as const)));
        const ours = byTool.get("agentk");
        if (!ours) continue;
        rows++;
        const key = [mix === "configmaps" ? "ConfigMaps" : "Deploy+Svc+CM", String(size), step];
        const of = (t: Tool) => byTool.get(t);
        const ran = (t: Tool, f: (m: PeerMeasurement) => string) => (byTool.has(t) ? f(byTool.get(t) as PeerMeasurement) : "-");
        wall.push([...key, ...TOOLS.map((t) => ran(t, (m) => ms(m.wallMs))), ...TOOLS.slice(1).map((t) => ran(t, (m) => ratio(ours.wallMs, m.wallMs)))]);
        requests.push([
          ...key,
          each(byTool, (m) => String(m.writes)),
          each(byTool, (m) => String(m.requests)),
          ...RIVALS.map((t) => ran(t, (m) => ratio(ours.requests, m.requests))),
        ]);
        cost.push([...key, each(byTool, (m) => m.serverCpuS.toFixed(2)), each(byTool, (m) => m.toolCpuS.toFixed(2)), each(byTool, (m) => (m.toolRssKiB / 1024).toFixed(0))]);
        const lostTo = RIVALS.filter((t) => (of(t)?.wallMs ?? Infinity) <= ours.wallMs);
        if (lostTo.length > 0) slower.push(`${key.join(" ")} (${lostTo.join(", ")})`);
        const fewer = RIVALS.filter((t) => (of(t)?.requests ?? Infinity) < ours.requests);
        if (fewer.length > 0) chattier.push(`${key.join(" ")} (${fewer.join(", ")})`);
      }
    }
  }
  const head = ["objects", "count", "step"];
  const tables: Table[] = [
    { columns: [...head, ...TOOLS.map((t) => (t === "agentk" ? "ours" : t)), ...TOOLS.slice(1).map((t) => `ours/${t}`)], rows: wall },
    { columns: [...head, `writes (${TOOLS.join(" / ")})`, `all requests (${TOOLS.join(" / ")})`, ...RIVALS.map((t) => `requests ours/${t}`)], rows: requests },
    { columns: [...head, `apiserver+etcd CPU s (${TOOLS.join(" / ")})`, `tool CPU s (${TOOLS.join(" / ")})`, `tool peak RSS MiB (${TOOLS.join(" / ")})`], rows: cost },
  ];
  const aims: Aim[] = [
    { what: `wall time: faster than ${RIVALS.join(" and ")} on every row`, target: `${rows} of ${rows}`, measured: `${rows - slower.length} of ${rows}`, met: rows > 0 && slower.length === 0 },
    { what: `requests: no more than ${RIVALS.join(" or ")} on every row`, target: `${rows} of ${rows}`, measured: `${rows - chattier.length} of ${rows}`, met: rows > 0 && chattier.length === 0 },
  ];
  return {
    name: "peers",
    title: "our applier vs GitLab agentk's cli-utils applier, Flux's fluxcd/pkg/ssa and kubectl apply --server-side",
    method: {
      ...method,
      ours: "syncCommit in the benchmark process as the agent ServiceAccount (project defaults: prune on, foreground propagation, must_match); step 7 (wait for Current) skipped",
      "cli-utils": "bench/peers --engine=cli-utils: sigs.k8s.io/cli-utils apply.Applier, ConfigMap inventory in the tool's namespace, SSA with ForceConflicts, field manager agentk, prune on (foreground), inventory policy must_match, no reconcile wait (ReconcileTimeout 0)",
      "flux-ssa": "bench/peers --engine=flux-ssa: fluxcd/pkg/ssa ResourceManager as kustomize-controller (owner labels, normalize, selectors, cleanup, concurrency 4), ApplyAllStaged, no WaitForSet, prune = DeleteAll of the previous inventory (a file) minus the current",
      kubectl: "kcluster kubectl apply --server-side --field-manager=kubectl-bench -n <ns> -f <dir>; not run for prune of half: kubectl refuses --prune with --server-side (alpha, 'doesn't currently work on objects created by server-side apply')",
      wall: "ours: around syncCommit; cli-utils/flux-ssa: measured by the harness from after flag parsing (kubeconfig, file parsing, apply, prune) to the end, i.e. without process start, as a long-lived agent; kubectl: the whole process (bench/peers exec)",
      clientRate: "cli-utils and flux-ssa: no client-side rate limit (Flux's runtime client drops it when the apiserver has priority and fairness, as this one does; ours has none); discovery from a warm disk cache",
      steps: "first apply (v1); changed re-apply (v2: every object changed); no-op re-apply (v2 again); prune of half (v2, the first half of the files: the rest pruned)",
      requests: "audit log of the ServiceAccount: writes (create/update/patch/delete that persist; dry-runs are not writes) and every request (gets, lists, watches, dry-runs)",
    },
    tables,
    aims,
    notes: [
      "Each cell 'a / b / c / d' is ours / kubectl / cli-utils / flux-ssa; with repetitions (method.reps), each tool's run with the median wall time (raw.results has every run).",
      "tool CPU and peak RSS: ours is the benchmark process (Node, syncCommit plus the harness around it; RSS is its VmHWM after a reset); the others are their own process's rusage (bench/peers reports getrusage, `peers exec` the child's).",
      "apiserver+etcd CPU: utime+stime of kube-apiserver and etcd during the step (controllers' reactions included).",
      ...(slower.length > 0 ? [`rows where a peer was as fast or faster: ${slower.join("; ")}`] : []),
      ...(chattier.length > 0 ? [`rows where a peer made fewer requests: ${chattier.join("; ")}`] : []),
    ],
    raw: { results },
  };
}
