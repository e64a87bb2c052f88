/**
 * inventory_policy, with cli-utils' semantics (pkg/inventory/policy.go): the
 * live object's `config.k8s.io/owning-inventory` annotation says which
 * inventory owns it; the policy says whether this agent may take it over.
 */
import type { InventoryPolicy } from "../../rpc/agent-config";
import { metadataEntry, withMetadata, type UnknownRecord } from "./fields";

/** cli-utils' inventory.OwningInventoryKey. */
export const OWNING_INVENTORY_ANNOTATION = "config.k8s.io/owning-inventory";

export type OwnershipDecision = { readonly action: "apply" } | { readonly action: "skip"; readonly reason: string };
export type PruneDecision = { readonly action: "prune" } | { readonly action: "skip"; readonly reason: string };

type Owner = "ours" | "none" | { readonly other: string };

/** Owned by us, by nobody (no annotation), or by another inventory. */
function ownerOf(ourInventoryId: string, live: unknown): Owner {
  const annotation = metadataEntry(live, "annotations", OWNING_INVENTORY_ANNOTATION);
  if (annotation === undefined) return "none";
  return annotation === ourInventoryId ? "ours" : { other: annotation };
}

/** must_match: only objects we own; adopt_if_no_inventory: also unowned ones; adopt_all: any object. */
function mayTake(policy: InventoryPolicy, owner: Owner): boolean {
  return owner === "ours" || policy === "adopt_all" || (owner === "none" && policy === "adopt_if_no_inventory");
}

/** May this agent apply over `live` (undefined: the object does not exist yet)? */
export function ownershipDecision(policy: InventoryPolicy, ourInventoryId: string, live: unknown): OwnershipDecision {
  const owner = live === undefined || live === null ? "ours" : ownerOf(ourInventoryId, live);
  if (mayTake(policy, owner)) return { action: "apply" };
  const reason =
    typeof owner === "object"
      ? `the object belongs to inventory ${JSON.stringify(owner.other)} (annotation ${OWNING_INVENTORY_ANNOTATION}); inventory_policy ${policy} does not take it over (adopt_all would)`
      : `the object exists without the ${OWNING_INVENTORY_ANNOTATION} annotation; inventory_policy ${policy} does not adopt it (adopt_if_no_inventory or adopt_all would)`;
  return { action: "skip", reason };
}

/**
 * May this agent delete `live`, an object its inventory lists but Git no
 * longer has? cli-utils' CanPrune: the same rule as for apply, so an object
 * another inventory took over is left alone unless the policy is adopt_all.
 */
export function pruneDecision(policy: InventoryPolicy, ourInventoryId: string, live: unknown): PruneDecision {
  if (live === undefined || live === null) return { action: "skip", reason: "the object no longer exists" };
  const owner = ownerOf(ourInventoryId, live);
  if (mayTake(policy, owner)) return { action: "prune" };
  const whose = typeof owner === "object" ? `belongs to inventory ${JSON.stringify(owner.other)}` : `has no ${OWNING_INVENTORY_ANNOTATION} annotation`;
  return { action: "skip", reason: `the object ${whose}; inventory_policy ${policy} does not delete it` };
}

/** A copy of `body` annotated as owned by `inventoryId` (what server-side apply sends). */
export function withOwner(body: UnknownRecord, inventoryId: string): UnknownRecord {
  return withMetadata(body, "annotations", OWNING_INVENTORY_ANNOTATION, inventoryId);
}
