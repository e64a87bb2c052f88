/**
 * What kas knows of agents, as every replica shares it: the shapes the agents
 * API serves and the store keeps. One module, imported by the tracker that
 * writes them (server/) and the stores that keep them (this folder).
 */
import type { SyncStatusReport } from "../../rpc";
import type { ReportedCommitWire } from "../commit-status";

export interface StoredReport extends SyncStatusReport {
  /** Objects of the report not kept (over maxObjects or the byte budget). */
  readonly objects_omitted: number;
}

export interface ProjectState {
  /** Last commit kas sent on the objects stream. */
  sentCommit?: string;
  /** Last status the agent reported for this project. */
  lastReport?: StoredReport & { readonly received_at: string };
}

export interface AgentState {
  readonly id: string;
  readonly name: string;
  readonly config_project: string;
  /** Open streams (configuration + objects) right now: on this replica locally, on every live replica in a shared view. */
  open_streams: number;
  connected: boolean;
  first_seen: string;
  last_seen: string;
  config_commit?: string;
  config_error?: string;
  /** What the agent last said it runs (its configuration request's agent_meta), each field cut to AGENT_META_BYTES. */
  agent_meta?: { readonly version: string; readonly commit_id: string; readonly pod_namespace: string; readonly pod_name: string };
  /** Whether agentk last said it reaches its apiserver (ClusterStatusReport); absent from agents that never said. */
  cluster?: { readonly reachable: boolean; readonly error: string; readonly checked_at: string };
  /** In a shared view: the live replicas holding the agent's streams, and how many each (presence). */
  replicas?: readonly { readonly replica: string; readonly streams: number }[];
  projects: Record<string, ProjectState>;
}

/** One reported commit of a project, as commit_status keeps it. */
export interface CommitEntry {
  readonly result: ReportedCommitWire;
  /** The sync's start (agentk's clock): a progress report of an earlier or the same run must not undo its final report. */
  readonly startedAt: number;
  /** When the sync ended (agentk's clock, ms), for its duration; absent in progress and from entries written before it existed. */
  readonly finishedAt?: number;
}

/** What this replica holds itself (AgentTracker, CommitResults), read by a store when it writes through. */
export interface LocalState {
  agent(agentId: string): AgentState | undefined;
  agentIds(): readonly string[];
  /** Grows at every change of the agents (so a view can be reused until the next). */
  revision(): number;
  /** Reverse tunnel streams the agent holds open here now. */
  tunnelStreams(agentId: string): number;
  /** The project's entries, oldest first. */
  commitEntries(agentId: string, projectId: string): readonly CommitEntry[];
  commitProjects(agentId: string): readonly string[];
  /** Commits kept per agent and project (CommitResults' bound; the store keeps no more). */
  readonly maxCommits: number;
}

/** Where a read's answer came from: `unavailable` means the shared store could not be read and the answer is this replica's own (partial) view. */
export type SharedStatus = "memory" | "shared" | "unavailable";

export interface AgentsView {
  readonly status: SharedStatus;
  /** Sorted by name. */
  readonly agents: readonly AgentState[];
}

export interface CommitsView {
  readonly status: SharedStatus;
  readonly agent?: AgentState;
  /** Project -> entries, oldest first. */
  readonly commits: ReadonlyMap<string, readonly CommitEntry[]>;
}
