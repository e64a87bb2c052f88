/** What the apply benchmarks share: running our applier, timeouts, and waiting for a quiet apiserver. */
import type { Logger } from "../../runtime/common";
import type { GitopsScope, ManifestProject } from "../../runtime/rpc";
import { syncCommit, type ObjectStore, type SyncOutcome } from "../../runtime/agentk/apply";
import type { TestCluster } from "../../test/cluster";
import { diffWrites, writeCounters } from "./apiserver";
import { sleep } from "./stats";

/** Longest a single apply may take before a benchmark gives up. */
export const STEP_TIMEOUT_MS = 180_000;

export interface OursSync {
  readonly store: ObjectStore;
  readonly logger: Logger;
  readonly project: ManifestProject;
  readonly commitId: string;
  readonly files: Readonly<Record<string, string>>;
  readonly agentNamespace: string;
  readonly inventoryName: string;
}

/** syncCommit as the agent runs it, step 7 (waiting for kstatus Current) skipped: only the apply is measured. */
export function syncOurs(s: OursSync): Promise<SyncOutcome> {
  const scope: GitopsScope = { mode: "cluster", namespaces: [] };
  return syncCommit(
    s.store,
    {
      batch: { commitId: s.commitId, projectId: s.project.id, files: Object.entries(s.files).map(([p, d]) => ({ path: p, data: Buffer.from(d) })) },
      project: s.project,
      scope,
      agentId: "bench",
      agentNamespace: s.agentNamespace,
      inventoryName: s.inventoryName,
      signal: new AbortController().signal,
      waitTimeoutMs: 0,
      waitSignal: AbortSignal.abort(),
    },
    s.logger,
  );
}

/** "N applied, M skipped[, P pruned]" of a sync; throws when an object failed. */
export function outcomeDetail(out: SyncOutcome, size: number): string {
  const count = (status: string) => out.results.filter((r) => r.status === status).length;
  const failed = out.results.find((r) => r.status === "ApplyFailed" || r.status === "PruneFailed");
  if (out.error && failed) throw new Error(`syncCommit: ${out.error}: ${failed.message}`);
  const applied = count("Applied");
  const skipped = count("Skipped");
  const pruned = count("Pruned");
  return `${applied} applied, ${skipped} skipped${pruned ? `, ${pruned} pruned` : ""}${applied + skipped === size ? "" : ` of ${size}`}`;
}

export async function withTimeout<T>(p: Promise<T>, what: string, timeoutMs = STEP_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: over ${timeoutMs / 1000} s`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits until the apiserver serves fewer than `perSecond` writes a second (controllers done reacting), at most maxMs. */
export async function quiesce(cluster: TestCluster, perSecond: number, maxMs: number): Promise<void> {
  const deadline = Date.now() + maxMs;
  let last = await writeCounters(cluster.admin);
  while (Date.now() < deadline) {
    await sleep(1000);
    const now = await writeCounters(cluster.admin);
    if (diffWrites(last, now, []).all < perSecond) return;
    last = now;
  }
}
