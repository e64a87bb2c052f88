/**
 * apply: our applier (syncCommit, as the agent's least-privilege
 * ServiceAccount) against `kubectl apply --server-side` (the test cluster's
 * own kubectl v1.36, the same ServiceAccount) on the same files, each in a
 * fresh namespace of the same cluster: first apply, a re-apply where every
 * object changed, and a no-op re-apply. Wall time, and the write requests the
 * apiserver received: from apiserver_request_total (/metrics, admin) and,
 * per user, from its audit log (the controllers' own writes are told apart).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { agentStateNames } from "../runtime/common";
import { MANIFEST_PROJECT_DEFAULTS, type ManifestProject } from "../runtime/rpc";
import { removeDir, tempDir } from "../test/git";
import { AGENT_NS, SA, SA_USER, startApplyEnv, type ApplyEnv } from "./lib/apply-env";
import { outcomeDetail, quiesce, syncOurs, withTimeout } from "./lib/apply-steps";
import { diffWrites, writeCounters, type WriteDelta } from "./lib/apiserver";
import { MIX_RESOURCES, manifestFiles, type Mix } from "./lib/manifests";
import { describeProfile, inProcessProfiler, type ProfileSummary } from "./lib/profile";
import type { Aim, BenchResult } from "./lib/report";
import { ms, sleep } from "./lib/stats";

const SIZES = [100, 1000] as const;
const MIXES: readonly Mix[] = ["configmaps", "mixed"];
const STEPS = ["first apply", "changed re-apply", "no-op re-apply"] as const;
type Step = (typeof STEPS)[number];
/** Quiet before each step: fewer than QUIET_WRITES writes per second (controllers settling), at most QUIET_MAX_MS. */
const QUIET_WRITES = 5;
const QUIET_MAX_MS = 20_000;
/** Deployments have no pods here: 333 KWOK pods per tool would keep both cores busy long after each first apply. */
const REPLICAS = 0;
/** The first apply of 1000 objects (the aim) is repeated in fresh namespaces; the table gives the median. */
const FIRST_APPLY_REPS = 3;
const repsOf = (size: number): number => (size === 1000 ? FIRST_APPLY_REPS : 1);

interface Measurement {
  readonly mix: Mix;
  readonly size: number;
  readonly step: Step;
  /** 1, or the repetition of a first apply (fresh namespaces). */
  readonly rep: number;
  readonly tool: "agentk" | "kubectl";
  readonly wallMs: number;
  /** Write requests by the ServiceAccount both tools run as (audit log). */
  readonly toolWrites: number;
  /** apiserver_request_total: writes to the applied resources (all clients) and every write. */
  readonly metricWrites: WriteDelta;
  readonly detail?: string;
  /** CPU seconds kube-apiserver + etcd used during the step. */
  readonly serverCpuS: number;
  /** CPU seconds this process used during the step (our applier runs in it). */
  readonly selfCpuS: number;
}

export async function runApply(options: { profile: boolean; log: (line: string) => void }): Promise<BenchResult> {
  const { log } = options;
  const dir = await tempDir("bench-apply-");
  let env: ApplyEnv | undefined;
  const profiles: ProfileSummary[] = [];
  try {
    const cases = MIXES.flatMap((mix) => SIZES.map((size) => ({ mix, size })));
    const ns = (mix: Mix, size: number, tool: string) => `ap-${mix === "configmaps" ? "cm" : "mix"}-${size}-${tool}`;
    env = await startApplyEnv(
      dir,
      cases.flatMap(({ mix, size }) =>
        Array.from({ length: repsOf(size) }, (_, i) => (i === 0 ? "" : `-r${i + 1}`)).flatMap((suffix) => [ns(mix, size, `agentk${suffix}`), ns(mix, size, `kubectl${suffix}`)]),
      ),
    );
    const { cluster: c, kubeconfig, store, audit, logger, serverCpu } = env;

    const results: Measurement[] = [];
    const measure = async (m: Omit<Measurement, "wallMs" | "toolWrites" | "metricWrites" | "serverCpuS" | "selfCpuS">, run: () => Promise<string | undefined>): Promise<void> => {
      await quiesce(c, QUIET_WRITES, QUIET_MAX_MS);
      const before = await writeCounters(c.admin);
      audit.mark();
      const cpu0 = serverCpu();
      const self0 = process.cpuUsage();
      const t0 = performance.now();
      const detail = await run();
      const wallMs = performance.now() - t0;
      const selfUsage = process.cpuUsage(self0);
      const selfCpuS = (selfUsage.user + selfUsage.system) / 1e6;
      const serverCpuS = serverCpu() - cpu0;
      await sleep(300); // the audit backend writes at ResponseComplete
      const metricWrites = diffWrites(before, await writeCounters(c.admin), MIX_RESOURCES[m.mix]);
      const toolWrites = audit.take().byUser[SA_USER] ?? 0;
      const r: Measurement = { ...m, wallMs, toolWrites, metricWrites, detail, serverCpuS, selfCpuS };
      results.push(r);
      log(`apply: ${m.mix} ${m.size} ${m.step}${m.rep > 1 ? ` (run ${m.rep})` : ""} ${m.tool}: ${ms(wallMs)} (apiserver+etcd CPU ${serverCpuS.toFixed(2)} s, ours ${selfCpuS.toFixed(2)} s), ${toolWrites} writes by the tool, ${metricWrites.resources} to ${MIX_RESOURCES[m.mix].join(",")}, ${metricWrites.all} in all${detail ? ` (${detail})` : ""}`);
    };

    /** One step, ours then kubectl; rep > 1: the first apply again, into fresh namespaces (another inventory). */
    const runStep = async (mix: Mix, size: number, s: number, rep: number): Promise<void> => {
      const step = STEPS[s] as Step;
      const suffix = rep > 1 ? `-r${rep}` : "";
      const projectId = `bench/apply-${mix}-${size}${suffix}`;
      const project: ManifestProject = { id: projectId, ref: {}, ...MANIFEST_PROJECT_DEFAULTS, default_namespace: ns(mix, size, `agentk${suffix}`) };
      const version = s === 0 ? 1 : 2;
      const files = manifestFiles(mix, size, version, { replicas: REPLICAS });
      const fileDir = path.join(dir, `${mix}-${size}-v${version}`);
      mkdirSync(fileDir, { recursive: true });
      for (const [f, text] of Object.entries(files)) writeFileSync(path.join(fileDir, path.basename(f)), text);
      const profiler = options.profile && size === 1000 && rep === 1 ? inProcessProfiler() : undefined;
      await measure({ mix, size, step, rep, tool: "agentk" }, async () => {
        await profiler?.start();
        const out = await withTimeout(
          syncOurs({ store, logger, project, commitId: `${"0".repeat(39)}${version}`, files, agentNamespace: AGENT_NS, inventoryName: agentStateNames(SA).inventory }),
          `agentk ${mix} ${size} ${step}`,
        );
        if (profiler) {
          const p = await profiler.stop(`apply ${mix} ${size} ${step}: syncCommit`);
          profiles.push(p);
          log(describeProfile(p));
          await profiler.close();
        }
        return outcomeDetail(out, size);
      });
      await measure({ mix, size, step, rep, tool: "kubectl" }, async () => {
        const out = await withTimeout(
          c.kubectl(["apply", "--server-side", "--field-manager=kubectl-bench", "-n", ns(mix, size, `kubectl${suffix}`), "-f", fileDir], kubeconfig),
          `kubectl ${mix} ${size} ${step}`,
        );
        const lines = out.split("\n").filter(Boolean);
        return lines.length === size ? undefined : `kubectl printed ${lines.length} lines for ${size} objects`;
      });
    };

    for (const { mix, size } of cases) {
      for (let s = 0; s < STEPS.length; s++) await runStep(mix, size, s, 1);
      for (let rep = 2; rep <= repsOf(size); rep++) await runStep(mix, size, 0, rep);
    }
    return report(results, profiles);
  } finally {
    await env?.stop();
    await removeDir(dir);
  }
}

function report(results: readonly Measurement[], profiles: readonly ProfileSummary[]): BenchResult {
  /** The (ours, kubectl) pairs of a step, one a repetition, and the one with the median ratio. */
  const pairsOf = (mix: Mix, size: number, step: Step) => {
    const of = (tool: Measurement["tool"]) => results.filter((r) => r.mix === mix && r.size === size && r.step === step && r.tool === tool);
    const ours = of("agentk");
    const pairs = ours.flatMap((a) => {
      const k = of("kubectl").find((r) => r.rep === a.rep);
      return k ? [{ a, k, ratio: a.wallMs / k.wallMs }] : [];
    });
    const sorted = [...pairs].sort((x, y) => x.ratio - y.ratio);
    return { pairs, median: sorted[Math.floor((sorted.length - 1) / 2)] };
  };
  const rows: string[][] = [];
  for (const mix of MIXES) {
    for (const size of SIZES) {
      for (const step of STEPS) {
        const { pairs, median } = pairsOf(mix, size, step);
        if (!median) continue;
        const { a, k } = median;
        rows.push([
          mix === "configmaps" ? "ConfigMaps" : "Deploy+Svc+CM",
          String(size),
          step,
          ms(a.wallMs),
          ms(k.wallMs),
          pairs.length > 1 ? `${median.ratio.toFixed(2)} (median of ${pairs.map((p) => p.ratio.toFixed(2)).join(", ")})` : median.ratio.toFixed(2),
          String(a.toolWrites),
          String(k.toolWrites),
          `${a.metricWrites.resources} / ${k.metricWrites.resources}`,
          `${a.serverCpuS.toFixed(2)} / ${k.serverCpuS.toFixed(2)}`,
          a.selfCpuS.toFixed(2),
        ]);
      }
    }
  }
  const aims: Aim[] = [];
  for (const mix of MIXES) {
    const noop = pairsOf(mix, 1000, "no-op re-apply").median?.a;
    if (noop) aims.push({ what: `no-op re-apply of 1000 (${mix}): write requests`, target: "0", measured: String(noop.toolWrites), met: noop.toolWrites === 0 });
    const first = pairsOf(mix, 1000, "first apply").median;
    if (first) aims.push({ what: `first apply of 1000 (${mix}): ours / kubectl (median)`, target: "<= 0.50", measured: first.ratio.toFixed(2), met: first.ratio <= 0.5 });
  }
  return {
    name: "apply",
    title: "our applier (syncCommit) vs kubectl apply --server-side",
    method: {
      sizes: SIZES,
      mixes: { configmaps: "ConfigMaps", mixed: "Deployments (replicas 0: no pods), headless Services and ConfigMaps in turn" },
      ours: "syncCommit on the real cluster as the agent ServiceAccount; step 7 (wait for Current) skipped (waitTimeoutMs 0 and an aborted waitSignal), so steps 1-6 (parse, inventory, apply, prune, inventory) are timed",
      kubectl: "kcluster kubectl apply --server-side --field-manager=kubectl-bench -n <fresh namespace> -f <dir> (one file per object), same ServiceAccount, process start included",
      changed: "every object changed: ConfigMap data, Deployment/Service metadata annotation (no rollout)",
      writes: "writes by the tool: audit log events (create/update/patch/delete) by the ServiceAccount; apiserver_request_total: POST/PUT/PATCH/DELETE/APPLY to the applied resources, all clients (controllers included)",
      replicas: REPLICAS,
      repetitions: `the first apply of 1000 objects runs ${FIRST_APPLY_REPS} times (fresh namespaces and inventory each time, ours then kubectl); its row shows the run with the median ratio`,
      quiet: `before each timed step: wait until the apiserver serves < ${QUIET_WRITES} writes/s (at most ${QUIET_MAX_MS / 1000} s)`,
    },
    tables: [
      {
        columns: ["objects", "count", "step", "ours", "kubectl", "ours/kubectl", "writes (ours)", "writes (kubectl)", "apiserver_request_total writes to these resources (ours / kubectl)", "apiserver+etcd CPU s (ours / kubectl)", "our process CPU s"],
        rows,
      },
    ],
    aims,
    notes: [
      "writes (ours/kubectl): write requests the apiserver received from the tool (audit log, by user). Ours includes the inventory ConfigMap (one write per sync that changes it).",
      "apiserver+etcd CPU: utime+stime of the kube-apiserver and etcd processes during the step (/proc); our process CPU: this benchmark process, where syncCommit runs (2 cores in all).",
      "apiserver_request_total column: counts every client writing to those resources in the window, e.g. the Deployment controller's revision annotation (PUT deployments) right after a first apply.",
    ],
    raw: { results, profiles },
  };
}
