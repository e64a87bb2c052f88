import { mapPool, type Logger } from "../../common";
import type { ManifestProject } from "../../rpc";
import { objRefKey, pruneDecision, type ObjectResult, type ObjRef } from "../plan";
import { isConflict } from "../kube";
import { describe, errorMessage } from "./apply-step";
import { result } from "./events";
import type { Live, ObjectStore } from "./objects";
import type { LiveCache } from "./prefetch";

export interface PruneOutcome {
  readonly results: ObjectResult[];
  /** Still to be pruned next time (kept in the inventory). */
  readonly failed: ObjRef[];
}

/**
 * Deletes, in prune order, objects of our previous inventory that left Git;
 * never an object another inventory owns (pruneDecision reads its annotation).
 * Objects of one kind in a row are deleted `concurrency` at a time; kinds stay
 * in order. An object step 4's lists already read (`liveCache`) is not read
 * again: it is deleted only at that resourceVersion, and if it changed since
 * (409 Conflict), it is read and decided again.
 */
export async function pruneObjects(
  store: ObjectStore,
  refs: readonly ObjRef[],
  project: ManifestProject,
  inventoryId: string,
  logger: Logger,
  signal: AbortSignal,
  options: { liveCache?: LiveCache; concurrency?: number } = {},
): Promise<PruneOutcome> {
  const results: ObjectResult[] = [];
  const failed: ObjRef[] = [];
  const ctx = { store, project, inventoryId, logger, signal, liveCache: options.liveCache };
  for (const run of runsOfKind(refs)) {
    const outs = await mapPool(run, options.concurrency ?? 1, (ref) => pruneOne(ctx, ref));
    outs.forEach((out, i) => {
      if (out.result) results.push(out.result);
      if (out.failed) failed.push(run[i] as ObjRef);
    });
  }
  return { results, failed };
}

interface PruneCtx {
  readonly store: ObjectStore;
  readonly project: ManifestProject;
  readonly inventoryId: string;
  readonly logger: Logger;
  readonly signal: AbortSignal;
  readonly liveCache?: LiveCache;
}

/** One object's prune; no result and failed: the sync was cancelled first (it stays in the inventory). */
async function pruneOne(ctx: PruneCtx, ref: ObjRef): Promise<{ result?: ObjectResult; failed?: boolean }> {
  const { store, project, logger } = ctx;
  if (ctx.signal.aborted) return { failed: true };
  const info = store.discovery.lookupGroupKind(ref.group, ref.kind);
  if (!info && store.discovery.discoveryFailed(ref.group)) {
    // Unknown only because discovery failed: the object may well exist; keep it in the inventory and try again.
    return { result: result(ref, "PruneFailed", `${describe(ref)}: ${store.discovery.whyUnknown(ref.group, undefined, ref.kind)}`, logger), failed: true };
  }
  if (!info) return { result: result(ref, "PruneSkipped", `${describe(ref)}: kind no longer served by the cluster; nothing to prune`, logger) };
  const namespace = ref.namespace || undefined;
  const key = objRefKey(ref);
  try {
    const cached = ctx.liveCache?.has(key);
    for (const fromList of cached ? [true, false] : [false]) {
      const live = fromList ? ctx.liveCache?.get(key) : await store.get(info, namespace, ref.name);
      if (!live) return { result: result(ref, "PruneSkipped", `${describe(ref)}: already gone`, logger) };
      const decision = pruneDecision(project.inventory_policy, ctx.inventoryId, live);
      if (decision.action === "skip") return { result: result(ref, "PruneSkipped", `${describe(ref)}: ${decision.reason}`, logger) };
      if (project.dry_run_strategy !== "none") return { result: result(ref, "PruneSkipped", `${describe(ref)}: dry run (${project.dry_run_strategy}): not deleted`, logger) };
      const version = fromList ? resourceVersionOf(live) : undefined;
      try {
        await store.delete(info, namespace, ref.name, project.prune_propagation_policy, version);
        return { result: result(ref, "Pruned", `${describe(ref)}: pruned`, logger) };
      } catch (err) {
        if (!(version && isConflict(err))) throw err; // changed since the list: read it again and decide again
      }
    }
    throw new Error("changed between two reads");
  } catch (err) {
    return { result: result(ref, "PruneFailed", `${describe(ref)}: ${errorMessage(err)}`, logger), failed: true };
  }
}

function resourceVersionOf(live: Live): string | undefined {
  const v = (live.metadata as { resourceVersion?: unknown } | undefined)?.resourceVersion;
  return typeof v === "string" && v ? v : undefined;
}

/** Consecutive refs of one group and kind (prune order keeps kinds together). */
function runsOfKind(refs: readonly ObjRef[]): ObjRef[][] {
  const runs: ObjRef[][] = [];
  for (const ref of refs) {
    const last = runs[runs.length - 1];
    const head = last?.[0];
    if (last && head && head.group === ref.group && head.kind === ref.kind) last.push(ref);
    else runs.push([ref]);
  }
  return runs;
}
