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

/**
 * Several kas replicas (kas.yaml `redis`): one of them polls each remote
 * (project, ref), and a commit it finds reaches the others as a refresh.
 * Local (filesystem) projects are checked by every replica (file watch).
 */
export interface PollCoordinator {
  /** Whether this replica polls `watchKey` now (holds its lease); asked before each scheduled check of a remote project. */
  mayPoll(watchKey: string): boolean;
  /** The loop of `watchKey` stopped here: let another replica poll it. */
  release(watchKey: string): void;
  /** A scheduled poll of a remote found a new commit of `projectId`: tell the other replicas. */
  newCommit(projectId: string): void;
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
  /** Default: this replica polls every watched ref itself. */
  readonly coordinator?: PollCoordinator;
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
      poller = new RefPoller(this.options, projectId, ref, spec, key);
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
  /** A remote project (no local gitdir): polled by the lease holder only, with a coordinator. */
  private remote = false;
  private readonly done: Promise<void>;

  constructor(
    private readonly options: ProjectWatcherOptions,
    readonly projectId: string,
    private readonly ref: GitRef,
    private readonly spec: RefSpec,
    private readonly watchKey: string,
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
    this.options.coordinator?.release(this.watchKey);
    this.files?.close();
    this.wake?.();
    await this.done;
  }

  private async run(): Promise<void> {
    await this.watchFiles();
    // Compete for the lease from the start: the holder's first poll is one period away, not two.
    if (this.remote && !this.stopped) this.options.coordinator?.mayPoll(this.watchKey);
    let scheduled = false;
    while (!this.stopped) {
      scheduled = scheduled && !this.pending;
      this.pending = false;
      const delay = await this.check(scheduled);
      if (!this.stopped && !this.pending) await this.sleep(delay);
      // Without the lease, a healthy loop waits for the holder's word (a refresh) or for the lease.
      while (!this.stopped && !this.pending && this.error === undefined && !this.mayPoll()) await this.sleep(this.options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS);
      scheduled = true;
    }
  }

  private mayPoll(): boolean {
    const c = this.options.coordinator;
    return !c || !this.remote || c.mayPoll(this.watchKey);
  }

  private async watchFiles(): Promise<void> {
    const gitdir = await this.options.source.localGitdir(this.projectId).catch(() => undefined);
    this.remote = gitdir === undefined;
    if (this.options.watchFiles === false || this.spec.kind === "commit") return;
    if (gitdir === undefined || this.stopped) return;
    this.files = watchRefFiles(gitdir, this.spec, this.options.debounceMs ?? 100, () => this.trigger());
  }

  /** One check (`scheduled`: a poll, not the first check nor a refresh); returns how long to wait before the next. */
  private async check(scheduled: boolean): Promise<number> {
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
      if (this.commit !== undefined && scheduled && this.remote) this.options.coordinator?.newCommit(this.projectId);
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
