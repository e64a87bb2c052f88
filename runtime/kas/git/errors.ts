/**
 * Errors of the Git source layer. Each message names what a person needs to
 * fix it (project, ref, path, limit) and never a credential.
 */

/** Base class: `projectId` is set on every error about a configured project. */
export class GitSourceError extends Error {
  constructor(
    message: string,
    readonly projectId?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ProjectNotFoundError extends GitSourceError {
  constructor(projectId: string, known: readonly string[]) {
    super(`project ${JSON.stringify(projectId)} is not configured${listed(" (configured: ", known, ")")}`, projectId);
  }
}

export class RefNotFoundError extends GitSourceError {
  constructor(
    projectId: string,
    readonly ref: string,
    branches: readonly string[],
  ) {
    super(`project ${JSON.stringify(projectId)}: ${ref} not found${listed("; existing branches: ", branches, "")}`, projectId);
  }
}

/** A ref name that git would refuse (or that could leave the refs folder). */
export class InvalidRefError extends GitSourceError {}

/** A subscription came after the watcher was closed: kas is stopping (the agent reconnects to the next one). */
export class WatcherClosedError extends GitSourceError {
  constructor() {
    super("the project watcher is closed: kas is stopping");
  }
}

/** The repository cannot be reached or read: network, authentication, not a repository. */
export class SourceUnavailableError extends GitSourceError {
  constructor(
    projectId: string,
    /** The repository URL, without credentials. */
    readonly url: string,
    reason: string,
  ) {
    super(`project ${JSON.stringify(projectId)}: repository ${url} is unavailable: ${reason}`, projectId);
  }
}

/** Over one of the LIMITS (file size, total size, file count, path count). */
export class LimitExceededError extends GitSourceError {}

export class InvalidGlobError extends GitSourceError {}

/** A symlink that leaves the repository, dangles, or loops. */
export class SymlinkError extends GitSourceError {}

const SHOWN = 10;

function listed(prefix: string, names: readonly string[], suffix: string): string {
  if (names.length === 0) return "";
  const more = names.length > SHOWN ? ` and ${names.length - SHOWN} more` : "";
  return `${prefix}${names.slice(0, SHOWN).join(", ")}${more}${suffix}`;
}
