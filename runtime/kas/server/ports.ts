/**
 * What the services need from the layers below, as interfaces: the services
 * are wired to runtime/kas/git and runtime/kas/registry in kas.ts, and
 * nothing here knows how Git or GitLab are reached.
 */
import type { GitRef, SourceFile } from "../../rpc";
import type { AgentIdentity } from "./access";

export interface GitReader {
  resolveRef(projectId: string, ref: GitRef): Promise<string>;
  /** The blob id of the file at `path` (symlinks followed), or undefined when there is none. */
  fileOid(projectId: string, commit: string, path: string): Promise<string | undefined>;
  /** A blob's content; throws (naming `path`) when it is over maxBytes. */
  readBlob(projectId: string, oid: string, path: string, maxBytes: number): Promise<Buffer>;
  collectFiles(projectId: string, commit: string, globs: readonly string[]): Promise<readonly SourceFile[]>;
  /** Whether the project's repository, as kas has it now (never fetched for this), holds the full SHA `commit`. */
  hasCommit(projectId: string, commit: string): Promise<boolean>;
  /** Whether `ancestor` is reachable from `descendant` within a bounded walk of its history (false past it). */
  isAncestor(projectId: string, ancestor: string, descendant: string): Promise<boolean>;
}

export interface CommitSubscriptions {
  /** Calls onCommit with the current commit, then with each new one; returns an unsubscribe function. */
  subscribe(projectId: string, ref: GitRef, onCommit: (commit: string) => void, onError: (err: Error) => void): () => void;
  /** Check now (push webhook). */
  refresh(projectId: string): void;
}

export interface TokenAuthenticator {
  authenticate(token: string): Promise<AgentIdentity | undefined>;
  /** Calls `listener` after the registry's contents changed (a reload); returns the function that stops it. */
  onChange?(listener: () => void): () => void;
  /** How often tokens of open streams are checked again, for registries that cannot tell of a change (GitLab: its cache period). */
  readonly recheckIntervalMs?: number;
  /** Every registered agent when the registry can list them (the file registry; GitLab's cannot): the console shows those that never connected. */
  readonly agents?: readonly { readonly id: string; readonly name: string; readonly configProjectId: string }[];
}

export type GlobValidator = (glob: string) => string | undefined;
