export { loadKasConfig, parseKasConfig, KasConfigError, DEFAULT_WEBSOCKET_PATH, DEFAULT_POLL_PERIOD_MS, DEFAULT_AGENT_CONNECTION_LIMITS } from "./kas-config";
export type { AgentConnectionLimits, KasConfig, ProjectConfig, TlsFiles } from "./kas-config";
export { parseDurationMs } from "./reader";
