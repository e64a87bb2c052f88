import type * as grpc from "@grpc/grpc-js";
import { F, type BackoffOptions, type Logger } from "../../common";
import {
  BatchAssembler,
  bearerMetadata,
  type AgentConfiguration,
  type AgentMeta,
  type Clients,
  type ConfigurationResponse,
  type GitRef,
  type ObjectsBatch,
  type ObjectsToSynchronizeResponse,
  type PathGlob,
} from "../../rpc";
import { runResilientStream } from "./resilient-stream";

/** Keepalive on every call's channel (set at channel creation, see createKasClients). */
export const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  "grpc.keepalive_time_ms": 55_000,
  "grpc.keepalive_timeout_ms": 20_000,
  "grpc.keepalive_permit_without_calls": 1,
  "grpc.max_receive_message_length": 8 * 1024 * 1024,
};

export interface AgentIdentityInfo {
  readonly agentId: string;
  readonly agentName: string;
}

export interface WatchConfigurationOptions {
  readonly clients: Clients;
  readonly token: string;
  readonly meta: AgentMeta;
  readonly logger: Logger;
  readonly signal: AbortSignal;
  readonly backoff?: BackoffOptions;
  readonly onConfiguration: (config: AgentConfiguration, commitId: string, agent: AgentIdentityInfo) => void;
}

/**
 * Follows the agent's configuration: resumes from the last commit received,
 * and on an invalid config.yaml logs kas's error and keeps the last good one.
 */
export function watchConfiguration(opts: WatchConfigurationOptions): Promise<void> {
  let lastCommit = "";
  return runResilientStream<ConfigurationResponse>({
    name: "configuration",
    logger: opts.logger,
    signal: opts.signal,
    backoff: opts.backoff,
    open: () => opts.clients.configuration.GetConfiguration({ commit_id: lastCommit, agent_meta: opts.meta }, bearerMetadata(opts.token)),
    onMessage: (msg) => {
      lastCommit = msg.commit_id;
      for (const w of msg.warnings) opts.logger.warn("Agent configuration warning", { [F.commitId]: msg.commit_id, [F.message]: w });
      if (msg.event === "configuration" && msg.configuration) {
        opts.onConfiguration(msg.configuration, msg.commit_id, { agentId: msg.agent_id, agentName: msg.agent_name });
      } else {
        opts.logger.error("Invalid agent configuration; keeping the last good one", {
          [F.commitId]: msg.commit_id,
          [F.error]: msg.error?.message ?? "no configuration in the response",
        });
      }
    },
  });
}

export interface WatchObjectsOptions {
  readonly clients: Clients;
  readonly token: string;
  readonly projectId: string;
  readonly ref: GitRef;
  readonly paths: readonly PathGlob[];
  /** The commit already applied: kas sends nothing until the project moves past it. */
  readonly lastCommit: () => string;
  readonly logger: Logger;
  readonly signal: AbortSignal;
  readonly backoff?: BackoffOptions;
  readonly onBatch: (batch: ObjectsBatch) => void;
}

/** Follows one manifest project: one complete batch per new commit, order enforced. */
export function watchObjects(opts: WatchObjectsOptions): Promise<void> {
  let assembler = new BatchAssembler();
  const { kind: _kind, ...ref } = opts.ref;
  return runResilientStream<ObjectsToSynchronizeResponse>({
    name: `objects of ${opts.projectId}`,
    logger: opts.logger,
    signal: opts.signal,
    backoff: opts.backoff,
    open: () => {
      assembler = new BatchAssembler(); // a half-received batch from a broken call is discarded
      return opts.clients.gitops.GetObjectsToSynchronize(
        { project_id: opts.projectId, ref, commit_id: opts.lastCommit(), paths: [...opts.paths] },
        bearerMetadata(opts.token),
      );
    },
    onMessage: (msg) => {
      const batch = assembler.push(msg);
      if (batch) opts.onBatch(batch);
    },
  });
}
