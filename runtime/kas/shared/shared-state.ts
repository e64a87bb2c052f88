/**
 * The state every kas replica shares (issue 20): agents, their presence,
 * last reports and per-commit results. Writes are notifications (this
 * replica's AgentTracker/CommitResults changed); the store reads the latest
 * local value when it writes, so while the store is away nothing piles up but
 * a set of keys to write again. Reads answer the shared view, or this
 * replica's own with status `unavailable`.
 */
import type { AgentLocator } from "./presence";
import type { AgentsView, CommitsView, LocalState } from "./records";

export interface SharedState extends AgentLocator {
  readonly kind: "memory" | "redis";
  /** This replica's view of `agentId` changed (a stream opened or closed, a config or a report arrived). */
  agentChanged(agentId: string): void;
  /** This replica recorded a commit result of `agentId` for `projectId`. */
  commitsChanged(agentId: string, projectId: string): void;
  /** Every agent, merged over the replicas. */
  agents(): Promise<AgentsView>;
  /** One agent and its commit results per project, for commit_status. */
  commits(agentId: string): Promise<CommitsView>;
  /** Agents with a stream open on some live replica, as last read (for a gauge; refreshed in the background). */
  connectedCount(): number;
  close(): Promise<void>;
}

/** Builds the shared state once kas has its local state (kas.ts picks it from kas.yaml `redis`). */
export type SharedStateFactory = (local: LocalState) => SharedState;
