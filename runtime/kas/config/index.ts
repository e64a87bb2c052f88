export { loadKasConfig, parseKasConfig, KasConfigError, DEFAULT_WEBSOCKET_PATH, DEFAULT_POLL_PERIOD_MS, DEFAULT_AGENT_CONNECTION_LIMITS } from "./kas-config";
export type { AgentConnectionLimits, KasConfig, KasConfigFile, ProjectConfig, TlsFiles } from "./kas-config";
export { isLoopbackAddress, type ApiConfig, type HttpListeners } from "./http-listeners";
export { readSecretFile } from "./secret-file";
export { parseDurationMs } from "./reader";
export { splitHostPort } from "./host-port";
