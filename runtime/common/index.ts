export { F, type LogFieldName, type LogFields } from "./log-fields";
export { createLogger, silentLogger, type Level, type Logger, type LoggerOptions } from "./logger";
export { createBackoff, sleep, RECONNECT_BACKOFF, type Backoff, type BackoffOptions } from "./backoff";
export { Metrics, registerProcessMetrics } from "./metrics";
export { listenObservability } from "./observability";
export { namespaceRules, agentSelfRules, WRITE_VERBS, READ_VERBS, MANAGED_RESOURCES, type PolicyRule, type Access } from "./rbac-rules";
export { goCompatibleTags } from "./yaml-tags";
export { Lru, LruBudget, readThrough, type LruScope } from "./lru";
export { rateLimitedLog, type RateLimitedLogOptions } from "./rate-limited";
