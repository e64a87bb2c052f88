export { startTestKas, newToken, type TestKas, type TestKasOptions, type TestAgent, type TestProject } from "./harness";
export { record, delay, type Recorded } from "./streams";
export { postRaw, type RawResult } from "./http-raw";
export { startKasReplica, type KasReplica, type KasReplicaOptions, type KasReplicaPorts } from "./kas-replica";
