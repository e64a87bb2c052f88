export { F, type LogFieldName, type LogFields } from "./log-fields";
export { createLogger, silentLogger, type Level, type Logger, type LoggerOptions } from "./logger";
export { createBackoff, sleep, RECONNECT_BACKOFF, type Backoff, type BackoffOptions } from "./backoff";
export { Metrics, registerProcessMetrics, DURATION_BUCKETS } from "./metrics";
export { listenObservability } from "./observability";
export { grpcCallCounters, grpcCallLabels, grpcCodeName, type GrpcCallCounters, type GrpcCallLabels } from "./grpc-metrics";
export {
  namespaceRules,
  adminRules,
  clusterRules,
  agentSelfRules,
  WRITE_VERBS,
  READ_VERBS,
  MANAGED_RESOURCES,
  ADMIN_RESOURCES,
  ESCALATION_RESOURCES,
  ESCALATION_VERBS,
  RBAC_GROUP,
  type PolicyRule,
  type Access,
  type ClusterResourceGrant,
} from "./rbac-rules";
export { agentStateNames, agentStateObjects, type AgentStateNames, type AgentStateManifest } from "./agent-state";
export { podSecurityLabels, POD_SECURITY_LEVELS, DEFAULT_POD_SECURITY, type PodSecurityLevel } from "./pod-security";
export { goCompatibleTags } from "./yaml-tags";
export { Lru, LruBudget, readThrough, type LruScope } from "./lru";
export { rateLimitedLog, type RateLimitedLogOptions } from "./rate-limited";
export { logProcessWarnings, type WarningSource } from "./process-warnings";
export { parseCommandLine, usageOutcome, usageError, helpText, EXIT_USAGE, EXIT_FAILURE, type CommandSpec, type CommandLine, type CommandIo, type FlagSpec, type FlagSpecs, type FlagValues } from "./command-line";
export { FlagChecks, distinct } from "./flag-checks";
export { buildInfo, readBuildInfo, formatVersion, findPackageRoot, COMMIT_ENV, type BuildInfo } from "./version";
export { runCommandProcess, runMainProcess, PROCESS_IO } from "./command-process";
export { logGrpcThroughLogger } from "./grpc-logging";
export { mapPool } from "./map-pool";
