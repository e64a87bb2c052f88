export { startKasServer, type KasServerDeps, type RunningKas } from "./kas-server";
export { AgentTracker, type AgentState } from "./agent-tracker";
export { canRead } from "./access";
export { agentConfigPath } from "./configuration-service";
export type { AgentConfigParser, AgentConfigParseResult } from "./context";
export type { CommitSubscriptions, GitReader, GlobValidator, TokenAuthenticator } from "./ports";
export { toStatus } from "./errors";
export { CommitResults } from "./commit-results";
export { localStateOf } from "./local-state";
