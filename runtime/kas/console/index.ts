/** kas's operator console: agents, their syncs and objects, live (issue 21). */
export type { AgentAccess, AgentRefusal, ConsoleViewer } from "./viewer";
export { startConsole, type Console, type ConsoleDeps, type ConsolePageOptions, type ConsoleRoute, type ConsoleRouteContext } from "./router";
export { esc } from "./html";
export { agentsModel, GITLAB_REGISTRY_NOTE, type AgentsModel, type ConsoleAgent, type ConsoleAgentState } from "./model";
export { agentDetail, type AgentDetail } from "./agent-model";
export { CONTENT_SECURITY_POLICY } from "./assets";
export { DEFAULT_LIVE_LIMITS, type LiveLimits } from "./live";
export { DEFAULT_SESSION_LIMITS, SESSION_COOKIE, type SessionLimits } from "./sessions";
export type { GitLabOAuthSettings } from "./gitlab-oauth-client";
export { RedisSessions, consoleSessionKeys, DEFAULT_SESSION_CACHE_MS, type RedisSessionsOptions } from "./redis-sessions";
export type { SessionStore } from "./session-store";
