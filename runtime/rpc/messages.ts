/**
 * TypeScript shapes of the messages in proto/gitops_agent.proto, as
 * @grpc/proto-loader decodes them with LOADER_OPTIONS (snake_case keys,
 * defaults filled, oneofs named by a virtual field). A test checks these
 * against the loaded descriptors.
 */
import type { AgentConfiguration, GitRef, PathGlob } from "./agent-config";

export interface AgentMeta {
  readonly version: string;
  readonly pod_namespace: string;
  readonly pod_name: string;
  /** The agent's Git commit, "" when unknown (optional for agents built before it existed). */
  readonly commit_id?: string;
}

export interface ConfigurationRequest {
  readonly commit_id: string;
  readonly agent_meta?: AgentMeta | null;
}

export interface ConfigurationResponse {
  readonly commit_id: string;
  readonly event?: "configuration" | "error";
  readonly configuration?: AgentConfiguration | null;
  readonly error?: { readonly message: string } | null;
  readonly warnings: readonly string[];
  readonly agent_id: string;
  readonly agent_name: string;
}

export interface ObjectsToSynchronizeRequest {
  readonly project_id: string;
  readonly ref?: GitRef | null;
  readonly commit_id: string;
  readonly paths: readonly PathGlob[];
}

export interface Header {
  readonly commit_id: string;
  readonly project_id: string;
}

export interface ObjectChunk {
  readonly source: string;
  readonly data: Buffer;
}

export type ObjectsToSynchronizeResponse =
  | { readonly message: "header"; readonly header: Header }
  | { readonly message: "object"; readonly object: ObjectChunk }
  | { readonly message: "trailer"; readonly trailer: Record<string, never> };

export interface ObjectStatus {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly status: string;
  readonly message: string;
}

export interface SyncStatusReport {
  readonly project_id: string;
  readonly commit_id: string;
  readonly success: boolean;
  readonly error: string;
  readonly objects: readonly ObjectStatus[];
  readonly started_at_unix_ms: number;
  readonly finished_at_unix_ms: number;
  /** A progress report of a sync still running (success and error not yet known); absent or false from older agents: final. */
  readonly in_progress?: boolean;
}

export type SyncStatusAck = Record<string, never>;

/** Whether agentk reaches its apiserver (ReportClusterStatus). */
export interface ClusterStatusReport {
  readonly reachable: boolean;
  /** Why not, when not; "" when reachable. */
  readonly error: string;
}
