/** GitLab's per-manifest-project limits, as checks with messages that name the culprit (pure). */
import { LIMITS } from "../../rpc/agent-config";
import { LimitExceededError } from "./errors";
import { ObjectTooLargeError } from "./odb";

export interface CollectLimits {
  /** Largest file, bytes. */
  readonly fileBytes: number;
  /** All files together, bytes. */
  readonly totalBytes: number;
  /** Most files. */
  readonly files: number;
  /** Most globs (`paths[]` entries). */
  readonly paths: number;
}

export const DEFAULT_LIMITS: CollectLimits = {
  fileBytes: LIMITS.fileBytes,
  totalBytes: LIMITS.totalBytes,
  files: LIMITS.files,
  paths: LIMITS.paths,
};

const project = (id: string): string => `project ${JSON.stringify(id)}`;

export function checkPathCount(projectId: string, count: number, limits: CollectLimits): void {
  if (count > limits.paths) {
    throw new LimitExceededError(`${project(projectId)}: ${count} paths given, at most ${limits.paths} are allowed`, projectId);
  }
}

export function checkFileCount(projectId: string, count: number, limits: CollectLimits): void {
  if (count > limits.files) {
    throw new LimitExceededError(
      `${project(projectId)}: ${count} files match the paths, more than the limit of ${limits.files} files`,
      projectId,
    );
  }
}

export function checkFileSize(projectId: string, path: string, bytes: number, maxBytes: number): void {
  if (bytes > maxBytes) throw fileTooLarge(projectId, path, new ObjectTooLargeError("", bytes, maxBytes));
}

/**
 * `err` as the limit error of the file at `path`: the file's own size when
 * the blob was over, else what was (a delta base). Anything else is rethrown.
 */
export function fileTooLarge(projectId: string, path: string, err: unknown): LimitExceededError {
  if (!(err instanceof ObjectTooLargeError)) throw err;
  if (err.part === undefined) {
    return new LimitExceededError(
      `${project(projectId)}: file ${JSON.stringify(path)} is ${err.size} bytes, over the limit of ${err.limit} bytes`,
      projectId,
    );
  }
  return new LimitExceededError(`${project(projectId)}: file ${JSON.stringify(path)}: ${err.message}`, projectId);
}

/** An object over its limit (a tree, commit or tag) as a limit error of the project; anything else is returned as is. */
export function objectLimitError(projectId: string, err: unknown): unknown {
  return err instanceof ObjectTooLargeError ? new LimitExceededError(`${project(projectId)}: ${err.message}`, projectId) : err;
}

/** Running total of collected bytes; add() throws once the total passes the limit. */
export class SizeBudget {
  private total = 0;

  constructor(
    private readonly projectId: string,
    private readonly limits: CollectLimits,
  ) {}

  /** The most the next file may be: within the file limit and what is left of the total. */
  next(): number {
    return Math.min(this.limits.fileBytes, this.limits.totalBytes - this.total);
  }

  add(path: string, bytes: number): void {
    checkFileSize(this.projectId, path, bytes, this.limits.fileBytes);
    this.total += bytes;
    if (this.total > this.limits.totalBytes) {
      throw new LimitExceededError(
        `${project(this.projectId)}: files total more than the limit of ${this.limits.totalBytes} bytes ` +
          `(${this.total} bytes up to and including ${JSON.stringify(path)})`,
        this.projectId,
      );
    }
  }
}
