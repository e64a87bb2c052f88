/** GitLab's per-manifest-project limits, as checks with messages that name the culprit (pure). */
import { LIMITS } from "../../rpc/agent-config";
import { LimitExceededError } from "./errors";

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
  if (bytes > maxBytes) {
    throw new LimitExceededError(
      `${project(projectId)}: file ${JSON.stringify(path)} is ${bytes} bytes, over the limit of ${maxBytes} bytes`,
      projectId,
    );
  }
}

/** Running total of collected bytes; add() throws once the total passes the limit. */
export class SizeBudget {
  private total = 0;

  constructor(
    private readonly projectId: string,
    private readonly limits: CollectLimits,
  ) {}

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
