import * as grpc from "@grpc/grpc-js";
import { F, type BackoffOptions, type Logger } from "../../common";
import type { GitRef, PathGlob } from "../agent-config";
import { BatchAssembler } from "../batch-assembler";
import type { ObjectsToSynchronizeResponse } from "../messages";
import type { ObjectsBatch } from "../object-stream";
import type { Clients } from "../protocol";
import { runResilientStream } from "./resilient-stream";

export interface WatchObjectsOptions {
  /** Clients whose channel carries the agent token (bindAgentToken). */
  readonly clients: Clients;
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
      return opts.clients.gitops.GetObjectsToSynchronize({ project_id: opts.projectId, ref, commit_id: opts.lastCommit(), paths: [...opts.paths] });
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
