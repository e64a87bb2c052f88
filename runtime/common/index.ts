export { F, type LogFieldName, type LogFields } from "./log-fields";
export { createLogger, silentLogger, type Level, type Logger, type LoggerOptions } from "./logger";
export { createBackoff, sleep, RECONNECT_BACKOFF, type Backoff, type BackoffOptions } from "./backoff";
