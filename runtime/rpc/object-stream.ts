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

/** Thrown when messages arrive out of order; the stream cannot be trusted after it. */
export class StreamOrderError extends Error {
  override readonly name = "StreamOrderError";
}

/**
 * Reassembles batches from a message stream and rejects any other order.
 * Call `push` per message; it returns a batch when a Trailer completes one.
 */
export class BatchAssembler {
  private header: { commitId: string; projectId: string } | undefined;
  private files: { path: string; chunks: Buffer[] }[] = [];

  push(msg: ObjectsToSynchronizeResponse): ObjectsBatch | undefined {
    switch (msg.message) {
      case "header":
        if (this.header) throw new StreamOrderError(`Header for ${msg.header.commit_id} before the Trailer of ${this.header.commitId}`);
        if (!msg.header.commit_id) throw new StreamOrderError("Header without commit_id");
        this.header = { commitId: msg.header.commit_id, projectId: msg.header.project_id };
        this.files = [];
        return undefined;
      case "object": {
        if (!this.header) throw new StreamOrderError(`Object ${msg.object.source} before any Header`);
        const last = this.files[this.files.length - 1];
        const data = Buffer.from(msg.object.data);
        if (last && last.path === msg.object.source) last.chunks.push(data);
        else this.files.push({ path: msg.object.source, chunks: [data] });
        return undefined;
      }
      case "trailer": {
        if (!this.header) throw new StreamOrderError("Trailer before any Header");
        const batch: ObjectsBatch = {
          ...this.header,
          files: this.files.map((f) => ({ path: f.path, data: Buffer.concat(f.chunks) })),
        };
        this.header = undefined;
        this.files = [];
        return batch;
      }
      default:
        throw new StreamOrderError(`unknown message ${JSON.stringify((msg as { message?: unknown }).message)}`);
    }
  }
}
