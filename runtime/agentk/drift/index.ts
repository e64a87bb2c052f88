export { DriftWatcher, type WatchedObject } from "./watcher";
export { fingerprint } from "./fingerprint";
