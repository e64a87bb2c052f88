import * as grpc from "@grpc/grpc-js";
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
import { configurationProblems } from "./configuration-check";
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
      const problems = msg.event === "configuration" && msg.configuration ? configurationProblems(msg.configuration) : [];
      if (msg.event === "configuration" && msg.configuration && problems.length === 0) {
        opts.onConfiguration(msg.configuration, msg.commit_id, { agentId: msg.agent_id, agentName: msg.agent_name });
        return true;
      } else if (problems.length > 0) {
        opts.logger.error("Invalid agent configuration from kas; keeping the last good one", { [F.commitId]: msg.commit_id, [F.error]: problems.join("; ") });
        return true;
      } else {
        opts.logger.error("Invalid agent configuration; keeping the last good one", {
          [F.commitId]: msg.commit_id,
          [F.error]: msg.error?.message ?? "no configuration in the response",
        });
        return true; // kas is working: it judged the config.yaml; retrying sooner would not change its mind
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

/**
 * Follows one manifest project: one complete batch per new commit, order and
 * limits enforced. Only a batch closed by its Trailer reaches `onBatch`; a
 * truncated, out-of-order or oversized one is discarded whole (a partial batch
 * synced would prune every object it lacks), logged, and the call retried.
 */
export function watchObjects(opts: WatchObjectsOptions): Promise<void> {
  const newAssembler = (): BatchAssembler => new BatchAssembler({ projectId: opts.projectId });
  let assembler = newAssembler();
  const { kind: _kind, ...ref } = opts.ref;
  return runResilientStream<ObjectsToSynchronizeResponse>({
    name: `objects of ${opts.projectId}`,
    logger: opts.logger,
    signal: opts.signal,
    backoff: opts.backoff,
    open: () => {
      assembler = newAssembler(); // a half-received batch from a broken call is discarded
      return opts.clients.gitops.GetObjectsToSynchronize(
        { project_id: opts.projectId, ref, commit_id: opts.lastCommit(), paths: [...opts.paths] },
        bearerMetadata(opts.token),
      );
    },
    onMessage: (msg) => {
      let batch: ObjectsBatch | undefined;
      try {
        batch = assembler.push(msg);
      } catch (err) {
        opts.logger.error("Invalid objects stream from kas; nothing from this batch is applied, the call is retried", { [F.error]: err });
        throw err;
      }
      if (msg.message === "header") opts.logger.debug("Receiving a batch of objects", { [F.commitId]: msg.header.commit_id });
      if (!batch) return false;
      opts.onBatch(batch);
      return true;
    },
    onCallEnded: (status, details) => {
      const partial = assembler.partial();
      if (!partial) return;
      opts.logger.error("Objects stream ended in the middle of a batch; nothing from it is applied", {
        [F.commitId]: partial.commitId,
        [F.error]: `commit ${partial.commitId}: ${partial.files} file(s), ${partial.bytes} bytes received, no Trailer; the call ended with ${grpc.status[status] ?? status}: ${details}`,
      });
    },
  });
}
