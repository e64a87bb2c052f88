export { DriftWatcher, type OwnWriteLog, type WatchedObject } from "./watcher";
export { fingerprint } from "./fingerprint";
