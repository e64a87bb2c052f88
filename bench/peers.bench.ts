/**
 * peers: our applier against the engines users actually choose between, in
 * one run, on the same objects, as the same least-privilege ServiceAccount,
 * each tool in its own fresh namespace of the same cluster: GitLab agentk's
 * cli-utils applier and Flux kustomize-controller's fluxcd/pkg/ssa (both
 * through the Go harness bench/peers), with kubectl --server-side beside them.
 * Steps: first apply, changed re-apply, no-op re-apply, prune of half.
 * BENCH_PEERS_SIZES (default 100,1000,5000) and BENCH_PEERS_MIXES (default
 * configmaps,mixed) narrow a run; BENCH_PEERS_REPS (default 3 at 100 objects,
 * 1 above) repeats each size's sequence in fresh namespaces.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { agentStateNames } from "../runtime/common";
import { MANIFEST_PROJECT_DEFAULTS, type ManifestProject } from "../runtime/rpc";
import { removeDir, tempDir } from "../test/git";
import { AGENT_NS, SA, SA_USER, startApplyEnv, type ApplyEnv } from "./lib/apply-env";
import { STEP_TIMEOUT_MS, outcomeDetail, quiesce, syncOurs, withTimeout } from "./lib/apply-steps";
import { manifestFiles, type Mix } from "./lib/manifests";
import { PEER_ENGINES, peerArgs, peersBinary, runPeers, type PeerRun } from "./lib/peers";
import { memoryOf, resetPeak } from "./lib/proc";
import type { BenchResult } from "./lib/report";
import { ms, sleep } from "./lib/stats";
import { PEER_STEPS, TOOLS, peersReport, type PeerMeasurement, type PeerStep, type Tool } from "./peers-report";

const QUIET_WRITES = 5;
const QUIET_MAX_MS = 20_000;
/** Deployments have no pods: thousands of KWOK pods per tool would keep both cores busy long after each apply. */
const REPLICAS = 0;
/** Our commit per step: the no-op re-apply is the changed commit again. */
const COMMIT_OF: Record<PeerStep, number> = { "first apply": 1, "changed re-apply": 2, "no-op re-apply": 2, "prune of half": 3 };

const positive = (s: string): number | undefined => (/^[1-9]\d*$/.test(s) ? Number(s) : undefined);

/** A comma-separated environment variable, each item parsed; `expected` names what an item may be. */
function listFromEnv<T extends string | number>(name: string, fallback: readonly T[], parse: (s: string) => T | undefined, expected: string): readonly T[] {
  const raw = process.env[name];
  if (!raw) return fallback;
  return raw.split(",").map((s) => {
    const v = parse(s.trim());
    if (v === undefined) throw new Error(`${name}: ${JSON.stringify(s)} is not ${expected}`);
    return v;
  });
}

export async function runPeersBench(options: { log: (line: string) => void }): Promise<BenchResult> {
  const { log } = options;
  const sizes = listFromEnv("BENCH_PEERS_SIZES", [100, 1000, 5000], positive, "a positive integer");
  const mixes = listFromEnv<Mix>("BENCH_PEERS_MIXES", ["configmaps", "mixed"], (s) => (s === "configmaps" || s === "mixed" ? s : undefined), "configmaps or mixed");
  const repsEnv = listFromEnv("BENCH_PEERS_REPS", [], positive, "a positive integer")[0];
  /** Each size's whole sequence runs this many times in fresh namespaces; the tables give each tool's median. */
  const reps = (size: number): number => repsEnv ?? (size <= 100 ? 3 : 1);
  const binary = await peersBinary(log);
  const dir = await tempDir("bench-peers-");
  let env: ApplyEnv | undefined;
  try {
    const ns = (mix: Mix, size: number, tool: Tool, rep: number) => `pe-${mix === "configmaps" ? "cm" : "mix"}-${size}-${tool}${rep > 1 ? `-r${rep}` : ""}`;
    const cases = mixes.flatMap((mix) => sizes.flatMap((size) => Array.from({ length: reps(size) }, (_, i) => ({ mix, size, rep: i + 1 }))));
    env = await startApplyEnv(
      dir,
      cases.flatMap(({ mix, size, rep }) => TOOLS.map((t) => ns(mix, size, t, rep))),
      { auditAllRequests: true },
    );
    const e = env;
    const cacheDir = path.join(dir, "kube-cache");
    // The engines run as long-lived agents: their discovery is warm, as ours is.
    const warmDir = writeDir(path.join(dir, "warm"), manifestFiles("mixed", 3, 1));
    for (const engine of PEER_ENGINES) await runPeers(binary, [...peerArgs({ engine, kubeconfig: e.kubeconfig, dir: warmDir, namespace: "default", inventory: "warm", cacheDir, prune: false }), "--discover-only"], 60_000);

    const results: PeerMeasurement[] = [];
    type Sample = { detail: string; wallMs?: number; toolCpuS?: number; toolRssKiB?: number; processWallMs?: number };
    const measure = async (m: Pick<PeerMeasurement, "mix" | "size" | "step" | "tool" | "rep">, run: () => Promise<Sample>): Promise<void> => {
      await quiesce(e.cluster, QUIET_WRITES, QUIET_MAX_MS);
      e.audit.mark();
      const cpu0 = e.serverCpu();
      const t0 = performance.now();
      const s = await run();
      const wallMs = s.wallMs ?? performance.now() - t0;
      const serverCpuS = e.serverCpu() - cpu0;
      await sleep(300); // the audit backend writes at ResponseComplete
      const audit = e.audit.take();
      const r: PeerMeasurement = {
        ...m,
        wallMs,
        processWallMs: s.processWallMs,
        writes: audit.byUser[SA_USER] ?? 0,
        requests: audit.allByUser[SA_USER] ?? 0,
        requestsBy: Object.fromEntries(Object.entries(audit.byUserResource).flatMap(([k, n]) => (k.startsWith(`${SA_USER} `) ? [[k.slice(SA_USER.length + 1), n]] : []))),
        serverCpuS,
        toolCpuS: s.toolCpuS ?? NaN,
        toolRssKiB: s.toolRssKiB ?? NaN,
        detail: s.detail,
      };
      results.push(r);
      log(`peers: ${m.mix} ${m.size} ${m.step}${m.rep > 1 ? ` (run ${m.rep})` : ""} ${m.tool}: ${ms(wallMs)}, ${r.writes} writes, ${r.requests} requests, apiserver+etcd CPU ${serverCpuS.toFixed(2)} s, tool CPU ${r.toolCpuS.toFixed(2)} s (${s.detail})`);
    };
    const fromRun = (run: PeerRun, detail: string): Sample => ({ detail, wallMs: run.wallMs, processWallMs: run.processWallMs, toolCpuS: run.cpuUserS + run.cpuSysS, toolRssKiB: run.maxRssKiB });

    for (const { mix, size, rep } of cases) {
      const projectId = `bench/peers-${mix}-${size}-r${rep}`;
      const project: ManifestProject = { id: projectId, ref: {}, ...MANIFEST_PROJECT_DEFAULTS, default_namespace: ns(mix, size, "agentk", rep) };
      const v1 = manifestFiles(mix, size, 1, { replicas: REPLICAS });
      const v2 = manifestFiles(mix, size, 2, { replicas: REPLICAS });
      const half = Object.fromEntries(Object.entries(v2).slice(0, Math.ceil(size / 2)));
      const filesOf: Record<PeerStep, Record<string, string>> = { "first apply": v1, "changed re-apply": v2, "no-op re-apply": v2, "prune of half": half };
      const dirOf = (step: PeerStep) => writeDir(path.join(dir, `${mix}-${size}-${PEER_STEPS.indexOf(step)}`), filesOf[step]);
      for (const step of PEER_STEPS) {
        const files = filesOf[step];
        const fileDir = dirOf(step);
        const what = `${mix} ${size} ${step}`;
        await measure({ mix, size, step, rep, tool: "agentk" }, async () => {
          const cpu0 = process.cpuUsage();
          resetPeak(process.pid);
          const commitId = `${"0".repeat(39)}${COMMIT_OF[step]}`;
          const out = await withTimeout(syncOurs({ store: e.store, logger: e.logger, project, commitId, files, agentNamespace: AGENT_NS, inventoryName: agentStateNames(SA).inventory }), `agentk ${what}`);
          const cpu = process.cpuUsage(cpu0);
          return { detail: outcomeDetail(out, Object.keys(files).length), toolCpuS: (cpu.user + cpu.system) / 1e6, toolRssKiB: memoryOf(process.pid).hwm / 1024 };
        });
        // kubectl refuses --prune with --server-side ("doesn't currently work on objects created by server-side apply").
        if (step !== "prune of half") {
          await measure({ mix, size, step, rep, tool: "kubectl" }, async () => {
            const args = [e.cluster.binary, "kubectl", `--kubeconfig=${e.kubeconfig}`, "apply", "--server-side", "--field-manager=kubectl-bench", "-n", ns(mix, size, "kubectl", rep), "-f", fileDir];
            const run = await runPeers(binary, ["exec", "--", ...args], STEP_TIMEOUT_MS);
            return fromRun(run, `kubectl printed ${run.outputLines} lines`);
          });
        }
        for (const engine of PEER_ENGINES) {
          await measure({ mix, size, step, rep, tool: engine }, async () => {
            const inventory = engine === "cli-utils" ? `${mix}-${size}-r${rep}` : path.join(dir, `flux-${mix}-${size}-r${rep}.json`);
            const run = await runPeers(binary, peerArgs({ engine, kubeconfig: e.kubeconfig, dir: fileDir, namespace: ns(mix, size, engine, rep), inventory, cacheDir, prune: true }), STEP_TIMEOUT_MS);
            return fromRun(run, `${run.applied} applied, ${run.unchanged} unchanged, ${run.pruned} pruned of ${run.objects}`);
          });
        }
      }
    }
    return peersReport(results, { sizes, mixes, reps: Object.fromEntries(sizes.map((n) => [n, reps(n)])), replicas: REPLICAS, quiet: `before each timed step: < ${QUIET_WRITES} writes/s (at most ${QUIET_MAX_MS / 1000} s)` });
  } finally {
    await env?.stop();
    await removeDir(dir);
  }
}

function writeDir(dir: string, files: Readonly<Record<string, string>>): string {
  mkdirSync(dir, { recursive: true });
  for (const [f, text] of Object.entries(files)) writeFileSync(path.join(dir, path.basename(f)), text);
  return dir;
}
