/** kas's Git source layer: projects, refs, files at a commit, globs, change detection. */
export { GitSource, type GitSourceOptions, type ProjectSource } from "./source";
export type { Credentials } from "./remote";
export type { CollectedFile } from "./collect";
export { DEFAULT_LIMITS, type CollectLimits } from "./limits";
export { compileGlob, compileGlobs, validateGlob, MAX_GLOB_LENGTH, type GlobMatcher } from "./glob";
export { describeRef, normalizeRef, type RefSpec } from "./refs";
export { redactUrl } from "./paths";
export {
  GitSourceError,
  InvalidGlobError,
  InvalidRefError,
  LimitExceededError,
  ProjectNotFoundError,
  RefNotFoundError,
  SourceUnavailableError,
  SymlinkError,
  WatcherClosedError,
} from "./errors";
export {
  ProjectWatcher,
  DEFAULT_POLL_INTERVAL_MS,
  type CommitListener,
  type ErrorListener,
  type PollCoordinator,
  type ProjectWatcherOptions,
  type WatchedSource,
} from "./watch";
