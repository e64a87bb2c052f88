/**
 * abuse: each attack of issue 13 against kas as its own process, on the kas
 * before the fixes (a worktree at BEFORE) and on this checkout, in the same
 * run. While an attack runs, and for a while after, kas's RSS is sampled
 * every 100 ms, and the legitimate agent a1 syncs again and again on fresh
 * connections (GetConfiguration, then its objects). Reported: kas alive at
 * the end, peak RSS over the baseline, a1's GetConfiguration latency (p50,
 * max) and how many of its syncs failed.
 */
import { execFileSync } from "node:child_process";
import { existsSync, symlinkSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startKasProcess, type KasProcess } from "../test/abuse/kas-process";
import { ATTACKS, type Attack } from "./abuse/attacks";
import type { BenchOptions } from "./run";
import type { BenchResult } from "./lib/report";
import { percentile } from "./lib/stats";

/** The last commit before issue 13's fixes: the kas the attacks were first run against. */
export const BEFORE = "4245230";
const repoRoot = path.resolve(__dirname, "..");

interface Measured {
  readonly attack: string;
  readonly side: "before" | "after";
  readonly alive: boolean;
  readonly baselineMiB: number;
  readonly peakMiB: number;
  readonly configMs: readonly number[];
  readonly failures: number;
  readonly firstFailure?: string;
  readonly openStreamsAfter?: number;
}

/** A worktree of BEFORE beside this checkout, sharing its node_modules (issue 13 added no dependency). */
function beforeCheckout(): string {
  const dir = path.join(os.tmpdir(), `gitops-agent-bench-before-${BEFORE}`);
  if (!existsSync(path.join(dir, "bin", "kas"))) {
    execFileSync("git", ["worktree", "add", "--force", "--detach", dir, BEFORE], { cwd: repoRoot, stdio: "ignore" });
    symlinkSync(path.join(repoRoot, "node_modules"), path.join(dir, "node_modules"));
  }
  return dir;
}

async function openStreams(kas: KasProcess): Promise<number | undefined> {
  try {
    const body = (await (await fetch(`${kas.apiUrl}/api/v1/agents`)).json()) as { agents: { open_streams: number }[] };
    return body.agents.reduce((n, a) => n + a.open_streams, 0);
  } catch {
    return undefined;
  }
}

async function measure(attack: Attack, side: "before" | "after", root: string, log: (l: string) => void): Promise<Measured> {
  const kas = await startKasProcess({ root, legacyListen: side === "before" });
  try {
    await attack.setup?.(kas);
    await kas.legitimate();
    const baselineMiB = kas.rssMiB();
    let peakMiB = baselineMiB;
    let sampling = true;
    const sampler = (async () => {
      while (sampling && kas.alive()) {
        const rss = kas.rssMiB();
        if (Number.isFinite(rss)) peakMiB = Math.max(peakMiB, rss);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const configMs: number[] = [];
    let failures = 0;
    let firstFailure: string | undefined;
    const friend = (async () => {
      while (sampling) {
        try {
          configMs.push((await kas.legitimate()).configMs);
        } catch (err) {
          failures++;
          firstFailure ??= (err as Error).message.split("\n")[0];
          await new Promise((r) => setTimeout(r, 500));
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    let stopAttack = (): void => undefined;
    try {
      stopAttack = await attack.run(kas);
    } catch (err) {
      log(`abuse: ${attack.name} (${side}): the attack itself failed: ${(err as Error).message.split("\n")[0]}`);
    }
    for (const until = Date.now() + attack.afterMs; Date.now() < until && kas.alive(); ) await new Promise((r) => setTimeout(r, 200));
    const openStreamsAfter = attack.name === "cancel-storm" && kas.alive() ? await openStreams(kas) : undefined;
    stopAttack();
    sampling = false;
    await Promise.all([sampler, friend]);
    const m: Measured = { attack: attack.name, side, alive: kas.alive(), baselineMiB, peakMiB, configMs, failures, firstFailure, openStreamsAfter };
    log(`abuse: ${attack.name} (${side}): alive ${m.alive}, RSS ${baselineMiB.toFixed(0)} -> peak ${peakMiB.toFixed(0)} MiB, a1 syncs ${configMs.length} ok / ${failures} failed`);
    return m;
  } finally {
    await kas.stop();
  }
}

const f0 = (n: number): string => n.toFixed(0);

export async function runAbuse(o: BenchOptions): Promise<BenchResult> {
  const before = beforeCheckout();
  const results: Measured[] = [];
  for (const attack of ATTACKS) {
    for (const [side, root] of [
      ["before", before],
      ["after", repoRoot],
    ] as const) {
      results.push(await measure(attack, side, root, o.log));
    }
  }
  const row = (m: Measured): string[] => [
    m.attack,
    m.side,
    m.alive ? "yes" : "**exited**",
    f0(m.baselineMiB),
    `+${f0(m.peakMiB - m.baselineMiB)}`,
    m.configMs.length ? `${f0(percentile(m.configMs, 50))} / ${f0(Math.max(...m.configMs))}` : "-",
    `${m.configMs.length} / ${m.failures}`,
    m.openStreamsAfter === undefined ? "" : `${m.openStreamsAfter} streams left open`,
  ];
  const after = results.filter((r) => r.side === "after");
  const worstGrowth = Math.max(...after.map((r) => r.peakMiB - r.baselineMiB));
  return {
    name: "abuse",
    title: `kas under attack, before (${BEFORE}) and after issue 13's fixes`,
    method: {
      attacks: ATTACKS.map((a) => ({ name: a.name, what: a.what, measuredAfterMs: a.afterMs })),
      kas: "bin/kas of each checkout as its own process, default limits, file registry, local repositories, every listener on loopback",
      friend: "agent a1 syncs on a fresh gRPC connection every 250 ms: GetConfiguration, then its manifest project's objects",
    },
    tables: [
      {
        columns: ["attack", "kas", "alive", "RSS before, MiB", "peak growth, MiB", "a1 GetConfiguration p50 / max, ms", "a1 syncs ok / failed", "left behind"],
        rows: results.map(row),
      },
    ],
    aims: [
      { what: "kas never exits under attack", target: "every attack", measured: after.every((r) => r.alive) ? "alive after every attack" : "exited", met: after.every((r) => r.alive) },
      { what: "kas memory while attacked (peak over baseline)", target: "< 128 MiB", measured: `worst +${f0(worstGrowth)} MiB`, met: worstGrowth < 128 },
      { what: "a1 keeps syncing while attacked", target: "no failed sync", measured: `${after.reduce((n, r) => n + r.failures, 0)} failed`, met: after.every((r) => r.failures === 0) },
    ],
    notes: results.filter((r) => r.firstFailure).map((r) => `${r.attack} (${r.side}): a1's first failure: ${r.firstFailure}`),
    raw: results,
  };
}
