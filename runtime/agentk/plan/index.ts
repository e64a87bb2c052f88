/**
 * The apply plan of agentk, pure: every function here takes data and returns
 * data (no I/O, no clock, inputs never modified; manifest bodies are frozen).
 * The applier calls them in this order:
 *
 *   parseManifests -> applyDefaultNamespace -> checkScope (per object)
 *   -> applyOrder -> [ownershipDecision, withOwner, server-side apply]
 *   -> planPrune / pruneDecision -> [delete] -> nextInventory / inventoryConfigMap
 *   -> computeStatus (while waiting) -> summarize.
 *
 * parse and namespace errors reject the whole commit (the previous state is
 * kept); everything later fails single objects.
 */
export type { ManifestError, ManifestObject, ManifestSource, ObjRef, ResourceScope, ScopeOf } from "./types";
export { parseManifests, splitApiVersion, type Decode, type ParseResult } from "./parse";
export { decodeFile, decodeFileYielding, DOCUMENTS_PER_TURN, type DecodedDocument, type DecodedFile } from "./decode";
export { MAX_LISTED_ERRORS } from "./errors";
export { reportByFile, FILES_PER_REPORT, PROBLEMS_PER_FILE } from "./file-report";
export { applyDefaultNamespace, type DefaultNamespaceResult, type ScopedObject } from "./namespaces";
export { checkScope, matches as selectorMatches, type KindRules, type ScopeSubject } from "./scope";
export { applyOrder, pruneOrder, compareForApply, type Ordered } from "./order";
export { CRD_GROUP, CRD_KIND, crdsInBatch, type BatchCrd } from "./crd";
export { objRefKey, parseObjRefKey, refOf, refSet } from "./refs";
export {
  INVENTORY_ID_LABEL,
  inventoryConfigMap,
  inventoryEntry,
  readInventoryEntry,
  nextInventory,
  planPrune,
  readInventory,
  type InventoryConfigMap,
  type InventoryContents,
} from "./inventory";
export {
  OWNING_INVENTORY_ANNOTATION,
  ownershipDecision,
  pruneDecision,
  withOwner,
  type OwnershipDecision,
  type PruneDecision,
} from "./ownership";
export { computeStatus, type KStatus, type StatusOptions, type StatusResult } from "./status";
export { SCHEDULE_WINDOW_MS } from "./status-rules";
export { summarize, type ObjectResult, type ObjectResultStatus, type SyncSummary } from "./summary";
export { appliedFields, elementMatcher, ownedValues, sameJson, type ElementMatcher, type FieldsV1, type ManagedFieldsEntry } from "./managed-fields";
