export { bindAgentToken, CHANNEL_OPTIONS, type AuthenticatedChannel, type TokenSource } from "./channel";
export { configurationProblems } from "./configuration-check";
export { runResilientStream, type ResilientStreamOptions } from "./resilient-stream";
export { watchConfiguration, type AgentIdentityInfo, type WatchConfigurationOptions } from "./watch-configuration";
export { watchObjects, type WatchObjectsOptions } from "./watch-objects";
