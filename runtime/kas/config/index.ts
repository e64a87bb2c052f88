export { loadKasConfig, parseKasConfig } from "./kas-config";
export { KasConfigError, DEFAULT_WEBSOCKET_PATH, DEFAULT_POLL_PERIOD_MS, DEFAULT_AGENT_CONNECTION_LIMITS } from "./schema";
export type { AgentConnectionLimits, KasConfig, KasConfigFile, ProjectConfig, TlsFiles } from "./schema";
export { isLoopbackAddress, type ApiConfig, type HttpListeners } from "./http-listeners";
export { readSecretFile } from "./secret-file";
export { parseDurationMs } from "./values";
export { splitHostPort } from "./host-port";
export { DEFAULT_KUBERNETES_API_LIMITS, type KubernetesApiConfig, type KubernetesApiLimits, type KubernetesApiListen } from "./kubernetes-api";
export { DEFAULT_REDIS_KEY_PREFIX, DEFAULT_REDIS_DIAL_TIMEOUT_MS, type RedisConfig } from "./redis";
