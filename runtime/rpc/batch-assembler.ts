/**
 * agentk's side of the objects stream (pure): reassembles batches framed by
 * frameBatch, and refuses whole any batch out of order or past its limits.
 */
import { LIMITS } from "./agent-config";
import type { ObjectsToSynchronizeResponse } from "./messages";
import type { ObjectsBatch } from "./object-stream";

/** Thrown when messages arrive out of order; the stream cannot be trusted after it. */
export class StreamOrderError extends Error {
  override readonly name = "StreamOrderError";
}

/** Thrown when a batch grows past a limit; nothing of it may be used. */
export class BatchLimitError extends Error {
  override readonly name = "BatchLimitError";
}

/** What one batch may hold: GitLab's per-project limits, which kas enforces when it collects files. */
export interface BatchLimits {
  readonly fileBytes: number;
  readonly totalBytes: number;
  readonly files: number;
}

export interface BatchAssemblerOptions {
  /** Default: LIMITS. A batch past them is refused as it arrives, so a flood never sits in memory. */
  readonly limits?: BatchLimits;
  /** The project the stream was opened for: a Header naming another is refused (its batch would sync another project's inventory). */
  readonly projectId?: string;
}

/**
 * Names are bounded apart from the byte limits, which count file data only:
 * without a bound, 1000 files named with megabytes each would be gigabytes.
 * A commit id is a SHA-1 or SHA-256 hash (40 or 64 hex digits); a path, at most Linux's PATH_MAX.
 */
export const MAX_COMMIT_ID_CHARS = 256;
export const MAX_SOURCE_CHARS = 4096;

/** A batch begun but not finished: what a broken stream leaves behind. */
export interface PartialBatch {
  readonly commitId: string;
  readonly files: number;
  readonly bytes: number;
}

/**
 * Reassembles batches from a message stream and rejects any other order,
 * and any batch past its limits. Call `push` per message; it returns a batch
 * when a Trailer completes one. After a throw, the assembler holds nothing.
 */
export class BatchAssembler {
  private header: { commitId: string; projectId: string } | undefined;
  private files: { path: string; chunks: Buffer[]; bytes: number }[] = [];
  private seen = new Set<string>();
  private bytes = 0;
  private readonly limits: BatchLimits;

  constructor(private readonly options: BatchAssemblerOptions = {}) {
    this.limits = options.limits ?? LIMITS;
  }

  /** The batch in progress, if a Header came without its Trailer yet. */
  partial(): PartialBatch | undefined {
    return this.header && { commitId: this.header.commitId, files: this.files.length, bytes: this.bytes };
  }

  push(msg: ObjectsToSynchronizeResponse): ObjectsBatch | undefined {
    try {
      return this.accept(msg);
    } catch (err) {
      this.reset();
      throw err;
    }
  }

  private accept(msg: ObjectsToSynchronizeResponse): ObjectsBatch | undefined {
    switch (msg.message) {
      case "header": {
        const { commit_id: commitId, project_id: projectId } = msg.header;
        if (commitId.length > MAX_COMMIT_ID_CHARS) throw new StreamOrderError(`Header with a commit_id of ${commitId.length} characters; at most ${MAX_COMMIT_ID_CHARS}`);
        if (this.header) throw new StreamOrderError(`Header for ${commitId} before the Trailer of ${this.header.commitId}`);
        if (!commitId) throw new StreamOrderError("Header without commit_id");
        if (this.options.projectId !== undefined && projectId !== this.options.projectId) {
          throw new StreamOrderError(`Header for project ${clip(projectId)} (commit ${commitId}), but agentk asked for ${this.options.projectId}`);
        }
        this.header = { commitId, projectId };
        return undefined;
      }
      case "object":
        if (!this.header) throw new StreamOrderError(`Object ${clip(msg.object.source)} before any Header`);
        this.addChunk(this.header.commitId, msg.object.source, msg.object.data);
        return undefined;
      case "trailer": {
        if (!this.header) throw new StreamOrderError("Trailer before any Header");
        const batch: ObjectsBatch = { ...this.header, files: this.files.map((f) => ({ path: f.path, data: Buffer.concat(f.chunks) })) };
        this.reset();
        return batch;
      }
      default:
        throw new StreamOrderError(`unknown message ${clip(JSON.stringify((msg as { message?: unknown }).message) ?? "undefined")}`);
    }
  }

  /** Checks sizes before copying the chunk, so a refused chunk is never held. */
  private addChunk(commitId: string, source: string, data: Buffer): void {
    const where = `the batch of commit ${commitId}`;
    if (!source) throw new StreamOrderError(`Object without a source in ${where}`);
    if (source.length > MAX_SOURCE_CHARS) throw new StreamOrderError(`Object with a source of ${source.length} characters in ${where}; a path has at most ${MAX_SOURCE_CHARS}`);
    let file = this.files[this.files.length - 1];
    if (!file || file.path !== source) {
      // frameBatch sends a file's chunks together: a path seen again is a second file by that name, or chunks out of order.
      if (this.seen.has(source)) throw new StreamOrderError(`${source} sent twice in ${where} (a file's chunks must be consecutive)`);
      if (this.files.length >= this.limits.files) throw new BatchLimitError(`${where}: more than ${this.limits.files} files, the limit`);
      file = { path: source, chunks: [], bytes: 0 };
      this.files.push(file);
      this.seen.add(source);
    }
    if (file.bytes + data.length > this.limits.fileBytes) {
      throw new BatchLimitError(`${source} in ${where}: ${file.bytes + data.length} bytes so far, over the limit of ${this.limits.fileBytes} bytes a file`);
    }
    if (this.bytes + data.length > this.limits.totalBytes) {
      throw new BatchLimitError(`${where}: ${this.bytes + data.length} bytes so far, over the limit of ${this.limits.totalBytes} bytes a batch`);
    }
    file.chunks.push(Buffer.from(data));
    file.bytes += data.length;
    this.bytes += data.length;
  }

  private reset(): void {
    this.header = undefined;
    this.files = [];
    this.seen = new Set();
    this.bytes = 0;
  }
}

/** A name from the peer, cut for an error message: the message must not grow with what a broken kas sends. */
function clip(name: string): string {
  return name.length <= 200 ? name : `${name.slice(0, 200)}... (${name.length} characters)`;
}
