export { syncCommit, type SyncRequest, type SyncOutcome } from "./sync";
export { ObjectStore, FIELD_MANAGER } from "./objects";
export { mapPool, prefetchLive } from "./prefetch";
export { OwnWrites } from "./own-writes";
export { InventoryStore } from "./inventory-store";
export { isUnchanged } from "./unchanged";
