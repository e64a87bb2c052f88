import type { Logger } from "../../common";
import type { ManifestProject } from "../../rpc";
import { pruneDecision, type ObjectResult, type ObjRef } from "../plan";
import { describe, errorMessage } from "./apply-step";
import { result } from "./events";
import type { ObjectStore } from "./objects";

export interface PruneOutcome {
  readonly results: ObjectResult[];
  /** Still to be pruned next time (kept in the inventory). */
  readonly failed: ObjRef[];
}

/**
 * Deletes, in prune order, objects of our previous inventory that left Git;
 * never an object another inventory owns (pruneDecision reads its annotation).
 */
export async function pruneObjects(
  store: ObjectStore,
  refs: readonly ObjRef[],
  project: ManifestProject,
  inventoryId: string,
  logger: Logger,
  signal: AbortSignal,
): Promise<PruneOutcome> {
  const results: ObjectResult[] = [];
  const failed: ObjRef[] = [];
  for (const ref of refs) {
    if (signal.aborted) {
      failed.push(ref);
      continue;
    }
    const info = store.discovery.lookupGroupKind(ref.group, ref.kind);
    if (!info && store.discovery.discoveryFailed(ref.group)) {
      // Unknown only because discovery failed: the object may well exist; keep it in the inventory and try again.
      failed.push(ref);
      results.push(result(ref, "PruneFailed", `${describe(ref)}: ${store.discovery.whyUnknown(ref.group, undefined, ref.kind)}`, logger));
      continue;
    }
    if (!info) {
      results.push(result(ref, "PruneSkipped", `${describe(ref)}: kind no longer served by the cluster; nothing to prune`, logger));
      continue;
    }
    try {
      const live = await store.get(info, ref.namespace || undefined, ref.name);
      if (!live) {
        results.push(result(ref, "PruneSkipped", `${describe(ref)}: already gone`, logger));
        continue;
      }
      const decision = pruneDecision(project.inventory_policy, inventoryId, live);
      if (decision.action === "skip") {
        results.push(result(ref, "PruneSkipped", `${describe(ref)}: ${decision.reason}`, logger));
        continue;
      }
      if (project.dry_run_strategy !== "none") {
        results.push(result(ref, "PruneSkipped", `${describe(ref)}: dry run (${project.dry_run_strategy}): not deleted`, logger));
        continue;
      }
      await store.delete(info, ref.namespace || undefined, ref.name, project.prune_propagation_policy);
      results.push(result(ref, "Pruned", `${describe(ref)}: pruned`, logger));
    } catch (err) {
      failed.push(ref);
      results.push(result(ref, "PruneFailed", `${describe(ref)}: ${errorMessage(err)}`, logger));
    }
  }
  return { results, failed };
}
