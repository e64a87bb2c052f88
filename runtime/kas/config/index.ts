export { loadKasConfig, parseKasConfig, KasConfigError, DEFAULT_WEBSOCKET_PATH, DEFAULT_POLL_PERIOD_MS } from "./kas-config";
export type { KasConfig, ProjectConfig, TlsFiles } from "./kas-config";
export { parseDurationMs } from "./reader";
