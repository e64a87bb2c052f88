/**
 * `npm run bench` runs every benchmark; `npm run bench -- --only <name>` one
 * of them. Each writes bench/results/<name>.json and prints a markdown table.
 * `--profile` also takes CPU profiles of the measured windows (it slows what
 * it measures, so that run writes bench/results/<name>.profile.json instead,
 * profile summaries under raw, and prints them to stderr).
 */
import { PROCESS_IO, runCommandProcess, usageError, type CommandSpec, type FlagValues } from "../runtime/common";
import { runAbuse } from "./abuse.bench";
import { runAgentkIdle } from "./agentk-idle.bench";
import { runAgentkMemory } from "./agentk-memory.bench";
import { runBigAgent } from "./big-agent.bench";
import { runApply } from "./apply.bench";
import { runKasReplicas } from "./kas-replicas.bench";
import { runKasScale } from "./kas-scale.bench";
import { runKubeApi } from "./kubeapi.bench";
import { runLatency } from "./latency.bench";
import { runPeersBench } from "./peers.bench";
import { machine, renderResult, sourceState, writeResult, type BenchResult } from "./lib/report";

export interface BenchOptions {
  readonly profile: boolean;
  readonly log: (line: string) => void;
}

const BENCHES: Record<string, (o: BenchOptions) => Promise<BenchResult>> = {
  latency: runLatency,
  apply: runApply,
  "kas-scale": runKasScale,
  "kas-replicas": runKasReplicas,
  "agentk-memory": runAgentkMemory,
  "big-agent": runBigAgent,
  "agentk-idle": runAgentkIdle,
  abuse: runAbuse,
  kubeapi: runKubeApi,
  peers: runPeersBench,
};

const BENCH_COMMAND = {
  name: "bench",
  usage: "[--only <name>[,<name>...]] [--profile]   (npm run bench -- ...)",
  summary: "Runs the benchmarks; each writes bench/results/<name>.json and prints a markdown table.",
  flags: {
    only: { value: "<name>[,...]", multiple: true, description: `Run only these: ${Object.keys(BENCHES).join(", ")} (default: all)` },
    profile: { type: "boolean", description: "Also take CPU profiles of the measured windows (slows what it measures)" },
  },
} as const satisfies CommandSpec;

async function main(values: FlagValues<typeof BENCH_COMMAND.flags>): Promise<number> {
  const only = (values.only ?? []).flatMap((o) => o.split(",")).filter(Boolean);
  const unknown = only.filter((n) => !BENCHES[n]);
  if (unknown.length > 0) return usageError(BENCH_COMMAND, unknown.map((n) => `--only: no benchmark ${JSON.stringify(n)}; known: ${Object.keys(BENCHES).join(", ")}`), PROCESS_IO);
  const profile = values.profile === true;
  const names = only.length > 0 ? only : Object.keys(BENCHES);
  const m = machine();
  const log = (line: string): void => void process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
  const src = sourceState();
  log(`machine: ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, ${m.go}, load ${m.loadAvg1m}; source ${src.commit}${src.uncommittedRuntimeFiles.length ? ` + uncommitted ${src.uncommittedRuntimeFiles.join(", ")}` : ""}`);
  const rendered: string[] = [];
  let failed = 0;
  const started = Date.now();
  for (const name of names) {
    const t0 = new Date();
    log(`${name}: starting`);
    try {
      const result = await (BENCHES[name] as (o: BenchOptions) => Promise<BenchResult>)({ profile, log });
      const seconds = (Date.now() - t0.getTime()) / 1000;
      const file = writeResult(result, m, t0, seconds, profile);
      const text = renderResult(result);
      rendered.push(text);
      process.stdout.write(`\n${text}\n`);
      log(`${name}: done in ${seconds.toFixed(0)} s, wrote ${file}`);
    } catch (err) {
      failed++;
      log(`${name}: FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
  }
  log(`all done in ${((Date.now() - started) / 1000).toFixed(0)} s${failed ? `, ${failed} failed` : ""}`);
  if (names.length > 1) process.stdout.write(`\n## Summary\n\n${rendered.join("\n")}`);
  return failed ? 1 : 0;
}

process.once("SIGINT", () => process.exit(130));
process.once("SIGTERM", () => process.exit(143));
runCommandProcess(BENCH_COMMAND, main);
