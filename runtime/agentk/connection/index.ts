export { connectTarget, readCaCert, type KasTarget, type TransportOptions } from "./transport";
export { grpcClientMetrics } from "./grpc-metrics";
