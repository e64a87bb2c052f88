/**
 * Steps 5-6: the inventory (what this agent applied for a manifest project)
 * and the prune plan derived from it. The inventory is a ConfigMap in
 * cli-utils' format: label `cli-utils.sigs.k8s.io/inventory-id`, one data key
 * per object (objRefKey), value "".
 */
import { isRecord, metadataEntry } from "./fields";
import { objRefKey, parseObjRefKey, refSet } from "./refs";
import { pruneOrder } from "./order";
import type { ObjRef } from "./types";

/** cli-utils' common.InventoryLabel. */
export const INVENTORY_ID_LABEL = "cli-utils.sigs.k8s.io/inventory-id";

export interface InventoryConfigMap {
  readonly apiVersion: "v1";
  readonly kind: "ConfigMap";
  readonly metadata: {
    readonly name: string;
    readonly namespace: string;
    readonly labels: Readonly<Record<string, string>>;
  };
  readonly data: Readonly<Record<string, string>>;
}

/** The inventory ConfigMap to server-side apply; keys sorted so that an unchanged set is an unchanged object. */
export function inventoryConfigMap(name: string, namespace: string, inventoryId: string, refs: readonly ObjRef[]): InventoryConfigMap {
  const data: Record<string, string> = {};
  for (const ref of refSet(refs)) data[objRefKey(ref)] = "";
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, namespace, labels: { [INVENTORY_ID_LABEL]: inventoryId } },
    data,
  };
}

export interface InventoryContents {
  /** Distinct, sorted by key. */
  readonly refs: ObjRef[];
  /** The inventory id label, when set. */
  readonly inventoryId?: string;
  /** Keys that look like entries but cannot be read (they are left out of refs, so never pruned). */
  readonly errors: string[];
}

/**
 * The refs in a live inventory ConfigMap. A key without "_" is not an entry
 * (someone's note, or a future field) and is ignored; a key with "_" that is
 * not `<namespace>_<name>_<group>_<kind>` is reported.
 */
export function readInventory(configMap: unknown): InventoryContents {
  const inventoryId = metadataEntry(configMap, "labels", INVENTORY_ID_LABEL);
  const withId = <T extends object>(x: T) => (inventoryId === undefined ? x : { ...x, inventoryId });
  const data = isRecord(configMap) ? configMap.data : undefined;
  if (data === undefined || data === null) return withId({ refs: [], errors: [] });
  if (!isRecord(data)) return withId({ refs: [], errors: ["data: expected a mapping of inventory keys"] });
  return withId(parseKeys(Object.keys(data), "data"));
}

function parseKeys(keys: readonly string[], where: string): InventoryContents {
  const refs: ObjRef[] = [];
  const errors: string[] = [];
  for (const key of [...keys].sort()) {
    if (!key.includes("_")) continue;
    const parsed = parseObjRefKey(key);
    if ("error" in parsed) errors.push(`${where}: ${parsed.error}`);
    else refs.push(parsed);
  }
  return { refs: refSet(refs), errors };
}

/**
 * One manifest project's inventory as the value of its key in the agent's
 * single inventory ConfigMap (see runtime/common/agent-state.ts for why one):
 * cli-utils' keys, one per line, sorted, so an unchanged set is an unchanged value.
 */
export function inventoryEntry(refs: readonly ObjRef[]): string {
  return refSet(refs).map(objRefKey).join("\n");
}

/** The refs in one project's entry (`key` names it in errors); lines without "_" are ignored as in readInventory. */
export function readInventoryEntry(key: string, value: string): InventoryContents {
  return parseKeys(value.split("\n").filter((line) => line !== ""), `data.${key}`);
}

/**
 * What to delete: in the previous inventory, no longer in Git; in prune order.
 * An object whose apply failed is never pruned (it is still wanted), even if
 * the caller left it out of `current`.
 */
export function planPrune(previous: readonly ObjRef[], current: readonly ObjRef[], failedToApply: readonly ObjRef[] = []): ObjRef[] {
  const keep = new Set([...current, ...failedToApply].map(objRefKey));
  return pruneOrder(refSet(previous).filter((ref) => !keep.has(objRefKey(ref))));
}

/**
 * The inventory to write after a sync: the objects in Git, plus those whose
 * prune failed (so the next sync tries again), minus `notOwned`: objects
 * ownershipDecision refused, which belong to someone else and must never be
 * pruned by this agent.
 */
export function nextInventory(current: readonly ObjRef[], pruneFailed: readonly ObjRef[], notOwned: readonly ObjRef[] = []): ObjRef[] {
  const foreign = new Set(notOwned.map(objRefKey));
  return refSet([...current, ...pruneFailed]).filter((ref) => !foreign.has(objRefKey(ref)));
}
