export { AgentTunnel, TunnelClosedError, type TunnelCall, type TunnelCounters, type TunnelLife, type TunnelResponse } from "./tunnel";
export { TunnelRegistry, TunnelUnavailableError, UNAVAILABLE_HTTP, type AcquireOptions, type TunnelCounts, type TunnelLimits } from "./registry";
export type { Tunnel, TunnelSource } from "./source";
export { untilEnded } from "./until-ended";
export { resetServerCall } from "./reset-stream";
