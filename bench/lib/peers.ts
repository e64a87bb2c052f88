/**
 * The apply benchmark's peers harness (bench/peers, Go): GitLab agentk's
 * cli-utils applier and Flux's fluxcd/pkg/ssa, and `peers exec` measuring a
 * command (kubectl) by its rusage. Built on demand, cached by its inputs.
 */
import { execFile, execFileSync } from "node:child_process";
import * as path from "node:path";
import { runBuildScript } from "../../test/cluster";

export const PEER_ENGINES = ["cli-utils", "flux-ssa"] as const;
export type PeerEngine = (typeof PEER_ENGINES)[number];

const BUILD_SCRIPT = path.resolve(__dirname, "..", "peers", "build.sh");

/** One run of the harness, as it reports itself (its one JSON line). */
export interface PeerRun {
  readonly objects?: number;
  readonly applied?: number;
  readonly unchanged?: number;
  readonly pruned?: number;
  readonly outputLines?: number;
  readonly errors: readonly string[];
  /** Wall time the tool measured itself: engines from after flag parsing, `exec` the child's whole life. */
  readonly wallMs: number;
  readonly cpuUserS: number;
  readonly cpuSysS: number;
  readonly maxRssKiB: number;
  /** Wall time of the harness process as this side saw it (process start included). */
  readonly processWallMs: number;
}

/** Builds the harness if its inputs changed (minutes, cold) and returns the binary's path. */
export async function peersBinary(log: (line: string) => void): Promise<string> {
  await runBuildScript(BUILD_SCRIPT, "bench peers", log);
  return execFileSync("bash", [BUILD_SCRIPT, "--print-path"], { encoding: "utf8" }).trim();
}

export interface PeerArgs {
  readonly engine: PeerEngine;
  readonly kubeconfig: string;
  readonly dir: string;
  readonly namespace: string;
  /** cli-utils: inventory id; flux-ssa: inventory state file. */
  readonly inventory: string;
  readonly cacheDir: string;
  readonly prune: boolean;
}

export function peerArgs(a: PeerArgs): string[] {
  return [
    `--engine=${a.engine}`,
    `--kubeconfig=${a.kubeconfig}`,
    `--dir=${a.dir}`,
    `--namespace=${a.namespace}`,
    `--inventory=${a.inventory}`,
    `--cache-dir=${a.cacheDir}`,
    `--prune=${a.prune}`,
  ];
}

/** Runs the harness; rejects with its stderr when it fails or reports errors. */
export async function runPeers(binary: string, args: readonly string[], timeoutMs: number): Promise<PeerRun> {
  const t0 = performance.now();
  const { stdout, stderr, code } = await new Promise<{ stdout: string; stderr: string; code: number }>((resolve) => {
    execFile(binary, args, { maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs, killSignal: "SIGKILL" }, (err, out, errOut) =>
      resolve({ stdout: out, stderr: errOut, code: err ? (typeof err.code === "number" ? err.code : -1) : 0 }),
    );
  });
  const processWallMs = performance.now() - t0;
  const line = stdout.trim().split("\n").pop() ?? "";
  let run: Omit<PeerRun, "processWallMs">;
  try {
    run = JSON.parse(line) as Omit<PeerRun, "processWallMs">;
  } catch {
    throw new Error(`peers ${args.join(" ")}: exit ${code}, no JSON result line; stderr: ${stderr.slice(-2000)}`);
  }
  if (code !== 0 || run.errors.length > 0) {
    throw new Error(`peers ${args.join(" ")}: exit ${code}: ${run.errors.slice(0, 3).join("; ")}${run.errors.length > 3 ? ` (+${run.errors.length - 3} more)` : ""}; stderr: ${stderr.slice(-1000)}`);
  }
  return { ...run, processWallMs };
}
