/** The state kas replicas share (issue 20): in memory for one replica, in Redis for several. */
export type { AgentLocator } from "./presence";
export type { AgentState, AgentsView, CommitEntry, CommitsView, LocalState, ProjectState, SharedStatus, StoredReport } from "./records";
export type { SharedState, SharedStateFactory } from "./shared-state";
export { mergeAgent, mergeCommitEntries } from "./merge";
export { memorySharedState } from "./memory";
export { connectRedis, reconnectDelayMs, type RedisConnections } from "./redis-client";
export { redisKeys, PRESENCE_TTL_MS, PRESENCE_REFRESH_MS, RECORD_TTL_MS, type RedisKeys } from "./redis-keys";
export { redisSharedState, type RedisSharedStateOptions } from "./redis-state";
export { PollLeases, DEFAULT_POLL_LEASE_TTL_MS } from "./poll-leases";
export { RefreshBus } from "./refresh-bus";
export { connectReplicas, defaultReplicaId, type Replicas, type ReplicasOptions } from "./replicas";
export { redisAccessBook, parseEntry as parseSharedAccessEntry, accessHashKey, ACCESS_REFRESH_MS, type SharedAccessBook, type SharedAccessEntry } from "./access-book";
