export { connectTarget, readCaCert, type KasTarget, type TransportOptions } from "./transport";
export { grpcClientMetrics } from "./grpc-metrics";
export { runResilientStream, type ResilientStreamOptions } from "./resilient-stream";
export { watchConfiguration, watchObjects, CHANNEL_OPTIONS, type AgentIdentityInfo, type WatchConfigurationOptions, type WatchObjectsOptions } from "./streams";
