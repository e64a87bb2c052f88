export { startKas, type Kas, type StartKasOptions } from "./kas";
export { loadKasConfig, parseKasConfig, KasConfigError, type KasConfig } from "./config";
export { main } from "./main";
export { TunnelRegistry, TunnelUnavailableError, TunnelClosedError, type AgentTunnel, type AcquireOptions, type TunnelCounts, type TunnelResponse } from "./tunnel";
