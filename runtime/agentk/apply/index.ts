export { syncCommit, type SyncRequest, type SyncOutcome } from "./sync";
export { ObjectStore, FIELD_MANAGER } from "./objects";
export { prefetchLive } from "./prefetch";
// Shared with kas (common); re-exported for the apply steps' callers.
export { mapPool } from "../../common";
export { OwnWrites } from "./own-writes";
export { InventoryStore } from "./inventory-store";
export { isUnchanged } from "./unchanged";
