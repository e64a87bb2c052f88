export { loadKasConfig, parseKasConfig, KasConfigError, DEFAULT_WEBSOCKET_PATH, DEFAULT_POLL_PERIOD_MS } from "./kas-config";
export type { KasConfig, ProjectConfig, TlsFiles } from "./kas-config";
export { isLoopbackAddress, type ApiConfig, type HttpListeners } from "./http-listeners";
export { readSecretFile } from "./secret-file";
export { parseDurationMs } from "./reader";
