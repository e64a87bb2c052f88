/**
 * The objects stream's framing, shared by both sides (pure):
 * Header{commit_id, project_id} -> Object{source, data}* -> Trailer.
 * Files are cut into chunks of at most LIMITS.chunkBytes; consecutive chunks
 * with the same source concatenate.
 */
import { LIMITS } from "./agent-config";
import type { ObjectsToSynchronizeResponse } from "./messages";

export interface SourceFile {
  readonly path: string;
  readonly data: Buffer;
}

export interface ObjectsBatch {
  readonly commitId: string;
  readonly projectId: string;
  readonly files: readonly SourceFile[];
}

/** The messages that carry one batch, in order. */
export function* frameBatch(batch: ObjectsBatch, chunkBytes: number = LIMITS.chunkBytes): Generator<ObjectsToSynchronizeResponse> {
  yield { message: "header", header: { commit_id: batch.commitId, project_id: batch.projectId } };
  for (const file of batch.files) {
    if (file.data.length === 0) {
      yield { message: "object", object: { source: file.path, data: Buffer.alloc(0) } };
      continue;
    }
    for (let off = 0; off < file.data.length; off += chunkBytes) {
      yield { message: "object", object: { source: file.path, data: file.data.subarray(off, off + chunkBytes) } };
    }
  }
  yield { message: "trailer", trailer: {} };
}
