/**
 * Change detection: subscribers follow (project, ref) and hear each new
 * commit. One poll loop per (project, ref), shared by its subscribers; a push
 * webhook (refresh) and file watching on local repositories cut the wait
 * short. An unreachable source is retried with exponential backoff, reported
 * to the error listeners and logged, and recovers by itself.
 */
import { createBackoff, F, silentLogger, type Backoff, type BackoffOptions, type Logger } from "../../common";
import type { GitRef } from "../../rpc/agent-config";
import { WatcherClosedError } from "./errors";
import { watchRefFiles, type RefFileWatch } from "./ref-watch";
import { describeRef, normalizeRef, type RefSpec } from "./refs";

/** What the watcher needs of a GitSource. */
export interface WatchedSource {
  resolveRef(projectId: string, ref: GitRef): Promise<string>;
  refresh(projectId: string): void;
  localGitdir(projectId: string): Promise<string | undefined>;
}

export type CommitListener = (commit: string) => void;
export type ErrorListener = (error: Error) => void;

export interface ProjectWatcherOptions {
  readonly source: WatchedSource;
  /** Default 20 s (GitLab's poll period). A remote is fetched at most once per the source's fetchMaxAgeMs. */
  readonly pollIntervalMs?: number;
  /** Retry schedule while the source fails. Default 1 s doubling up to 60 s, 10 % jitter. */
  readonly backoff?: BackoffOptions;
  /** Quiet time after a ref file changes before checking. Default 100 ms. */
  readonly debounceMs?: number;
  /** Watch local repositories' ref files. Default true. */
  readonly watchFiles?: boolean;
  readonly logger?: Logger;
  /** Called with the project of each failed check (for kas_git_poll_errors_total). */
  readonly onCheckFailed?: (projectId: string) => void;
}

export const DEFAULT_POLL_INTERVAL_MS = 20_000;
const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1_000, maxMs: 60_000, factor: 2, jitter: 0.1 };

interface Subscriber {
  readonly onCommit: CommitListener;
  readonly onError?: ErrorListener;
}

export class ProjectWatcher {
  private readonly pollers = new Map<string, RefPoller>();
  private closed = false;

  constructor(private readonly options: ProjectWatcherOptions) {}

  /**
   * Calls `onCommit` with the commit `ref` names now, then with each new one;
   * `onError` with each failed check. Returns the unsubscribe function.
   * Throws InvalidRefError for a malformed ref.
   */
  subscribe(projectId: string, ref: GitRef, onCommit: CommitListener, onError?: ErrorListener): () => void {
    if (this.closed) throw new WatcherClosedError();
    const spec = normalizeRef(projectId, ref);
    const key = `${projectId}\n${describeRef(spec)}`;
    let poller = this.pollers.get(key);
    if (poller === undefined) {
      poller = new RefPoller(this.options, projectId, ref, spec);
      this.pollers.set(key, poller);
    }
    const sub: Subscriber = { onCommit, onError };
    const p = poller;
    p.add(sub);
    return () => {
      if (p.remove(sub) && this.pollers.get(key) === p) {
        this.pollers.delete(key);
        void p.stop();
      }
    };
  }

  /** Poll loops running now: one per watched (project, ref). */
  get pollerCount(): number {
    return this.pollers.size;
  }

  /** Checks every watched ref of `projectId` now (a push arrived); remote projects are fetched. */
  refresh(projectId: string): void {
    let any = false;
    for (const poller of this.pollers.values()) {
      if (poller.projectId !== projectId) continue;
      if (!any) this.options.source.refresh(projectId);
      any = true;
      poller.trigger();
    }
  }

  /** Stops every loop and file watcher; resolves when none is left running. */
  async close(): Promise<void> {
    this.closed = true;
    const pollers = [...this.pollers.values()];
    this.pollers.clear();
    await Promise.all(pollers.map((p) => p.stop()));
  }
}

class RefPoller {
  private readonly subs = new Set<Subscriber>();
  private readonly backoff: Backoff;
  private readonly log: Logger;
  private commit?: string;
  private error?: Error;
  private stopped = false;
  private pending = false;
  private wake?: () => void;
  private files?: RefFileWatch;
  private readonly done: Promise<void>;

  constructor(
    private readonly options: ProjectWatcherOptions,
    readonly projectId: string,
    private readonly ref: GitRef,
    private readonly spec: RefSpec,
  ) {
    this.backoff = createBackoff({ ...DEFAULT_BACKOFF, ...options.backoff });
    this.log = (options.logger ?? silentLogger).with({ [F.projectId]: projectId, [F.ref]: describeRef(spec) });
    this.done = this.run();
  }

  add(sub: Subscriber): void {
    this.subs.add(sub);
    const { commit, error } = this;
    if (commit === undefined && error === undefined) return; // the first check will tell
    queueMicrotask(() => {
      if (!this.subs.has(sub) || this.stopped) return;
      if (commit !== undefined) this.call(() => sub.onCommit(commit));
      if (error !== undefined && sub.onError) this.call(() => sub.onError?.(error));
    });
  }

  /** True when the last subscriber left. */
  remove(sub: Subscriber): boolean {
    this.subs.delete(sub);
    return this.subs.size === 0;
  }

  trigger(): void {
    this.pending = true;
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.files?.close();
    this.wake?.();
    await this.done;
  }

  private async run(): Promise<void> {
    await this.watchFiles();
    while (!this.stopped) {
      this.pending = false;
      const delay = await this.check();
      if (!this.stopped && !this.pending) await this.sleep(delay);
    }
  }

  private async watchFiles(): Promise<void> {
    if (this.options.watchFiles === false || this.spec.kind === "commit") return;
    const gitdir = await this.options.source.localGitdir(this.projectId).catch(() => undefined);
    if (gitdir === undefined || this.stopped) return;
    this.files = watchRefFiles(gitdir, this.spec, this.options.debounceMs ?? 100, () => this.trigger());
  }

  /** One check; returns how long to wait before the next. */
  private async check(): Promise<number> {
    let commit: string;
    try {
      commit = await this.options.source.resolveRef(this.projectId, this.ref);
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      const delay = this.backoff.next();
      this.error = error;
      if (this.stopped) return delay;
      this.options.onCheckFailed?.(this.projectId);
      this.log.warn("Git source check failed, retrying", {
        [F.attempt]: this.backoff.attempt,
        [F.retryInMs]: delay,
        [F.error]: error,
      });
      for (const sub of [...this.subs]) if (sub.onError) this.call(() => sub.onError?.(error));
      return delay;
    }
    if (this.error !== undefined) this.log.info("Git source available again", { [F.attempt]: this.backoff.attempt });
    this.error = undefined;
    this.backoff.reset();
    if (commit !== this.commit && !this.stopped) {
      this.commit = commit;
      for (const sub of [...this.subs]) this.call(() => sub.onCommit(commit));
    }
    return this.options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(finish, ms);
      this.wake = finish;
    });
  }

  /** A throwing listener must not stop the loop or the other listeners. */
  private call(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.log.error("Git watch listener failed", { [F.error]: e });
    }
  }
}
