export { ProjectWorker, type WorkerConfig, type WorkerDeps } from "./worker";
export { WorkerSet } from "./worker-set";
export { toReport } from "./report";
