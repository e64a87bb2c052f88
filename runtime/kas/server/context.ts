import type { Logger } from "../../common";
import type { AccessConfig } from "../agentcfg";
import type { AgentAccessBook } from "./agent-access";
import type { AgentConfiguration } from "../../rpc";
import type { ProjectConfig } from "../config";
import type { AgentTracker } from "./agent-tracker";
import type { CommitResults } from "./commit-results";
import type { Metrics } from "../../common";
import type { AgentConnectionLimits } from "../config";
import type { AuthAudit } from "./admission";
import type { OpenStreams } from "./open-streams";
import type { TunnelRegistry } from "../tunnel";
import type { CommitSubscriptions, GitReader, GlobValidator, TokenAuthenticator } from "./ports";

export type AgentConfigParseResult =
  /** `access` (ci_access, user_access) stays in kas; undefined from a parser that does not read it. */
  | { readonly ok: true; readonly config: AgentConfiguration; readonly access?: AccessConfig; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly error: string };

/** Parses an agent config file; may answer later (kas parses large files in a worker thread). */
export type AgentConfigParser = (input: Buffer, ctx: { file: string; configProjectId: string }) => AgentConfigParseResult | Promise<AgentConfigParseResult>;

/** Everything the RPC services share. */
export interface ServerContext {
  readonly registry: TokenAuthenticator;
  readonly git: GitReader;
  readonly commits: CommitSubscriptions;
  readonly projects: () => readonly ProjectConfig[];
  readonly parseAgentConfig: AgentConfigParser;
  readonly validateGlob: GlobValidator;
  readonly tracker: AgentTracker;
  /** Each agent's recent commits per manifest project and how their syncs went (commit_status). */
  readonly results: CommitResults;
  readonly metrics: Metrics;
  readonly limits: AgentConnectionLimits;
  /** Open streams by token, for revocation. */
  readonly streams: OpenStreams;
  readonly audit: AuthAudit;
  /** Idle reverse tunnels by agent. */
  readonly tunnels: TunnelRegistry;
  /** Each agent's latest valid ci_access, for the Kubernetes API proxy. */
  readonly access: AgentAccessBook;
  readonly logger: Logger;
}
