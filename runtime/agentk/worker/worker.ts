import { F, type BackoffOptions, type Logger, type Metrics } from "../../common";
import type { Clients, GitopsScope, ManifestProject, ObjectsBatch } from "../../rpc";
import { watchObjects } from "../../rpc/client";
import { syncCommit, type ObjectStore, type SyncOutcome } from "../apply";
import { DriftWatcher } from "../drift";
import { ProgressThrottle } from "./progress";
import { toProgressReport, toReport } from "./report";
import { ReportSender } from "./report-sender";
import { cancelsCurrentSync, describeReason, type SyncReason } from "./sync-reason";
import { SyncMetrics } from "./sync-metrics";

/** How long one ReportSyncStatus call may take. */
const REPORT_DEADLINE_MS = 10_000;

export interface WorkerDeps {
  /** Clients whose channel carries the agent token. */
  readonly clients: Clients;
  readonly store: ObjectStore;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly agentId: string;
  readonly agentNamespace: string;
  /** The agent's inventory ConfigMap in agentNamespace (agentStateNames). */
  readonly inventoryName: string;
  readonly backoff?: BackoffOptions;
}

export interface WorkerConfig {
  readonly project: ManifestProject;
  readonly scope: GitopsScope;
  readonly reapplyIntervalMs: number;
}

/**
 * One manifest project: follows its commits from kas, syncs each (a newer
 * commit cancels the one in progress), re-applies on an interval and when a
 * managed object drifts, and reports every finished sync back to kas.
 */
export class ProjectWorker {
  private readonly stopping = new AbortController();
  private current: AbortController | undefined;
  /** Ends the current sync's status wait when other work arrives. */
  private waiting: AbortController | undefined;
  /** What to sync next: a new commit, or (batch undefined) the last good one again. */
  private pending: { batch?: ObjectsBatch; reason: SyncReason } | undefined;
  private running: Promise<void> | undefined;
  private lastReceived = "";
  private lastGood: ObjectsBatch | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly drift: DriftWatcher;
  private readonly log: Logger;
  private readonly metrics: SyncMetrics;
  private readonly stream: Promise<void>;
  private readonly reports: ReportSender;

  constructor(
    private readonly deps: WorkerDeps,
    readonly config: WorkerConfig,
  ) {
    this.log = deps.logger.with({ [F.projectId]: config.project.id });
    this.metrics = new SyncMetrics(deps.metrics, config.project.id);
    this.reports = new ReportSender({
      send: (r) => new Promise((resolve, reject) => deps.clients.status.ReportSyncStatus(r, { deadline: Date.now() + REPORT_DEADLINE_MS }, (err) => (err ? reject(err) : resolve()))),
      onFailure: (r, err, retrying) =>
        this.log.warn(retrying ? "Could not report sync status to kas; sending it again" : "Could not report sync status to kas", { [F.commitId]: r.commit_id, [F.error]: err }),
    });
    this.drift = new DriftWatcher(deps.store.client, this.log, (what) => this.reapply({ kind: "drift", change: what }), deps.store.ownWrites);
    this.timer = setInterval(() => this.reapply({ kind: "periodic" }), config.reapplyIntervalMs);
    this.timer.unref();
    this.stream = watchObjects({
      clients: deps.clients,
      projectId: config.project.id,
      ref: config.project.ref,
      paths: config.project.paths,
      lastCommit: () => this.lastReceived,
      logger: this.log,
      signal: this.stopping.signal,
      backoff: deps.backoff,
      onBatch: (batch) => {
        // kas sends a commit once per stream; a copy would cancel the sync of that very commit and start it over,
        // so a kas that repeats itself would keep agentk from ever finishing.
        if (batch.commitId === this.lastReceived) {
          this.log.warn("kas sent the commit it sent last again; ignored", { [F.commitId]: batch.commitId });
          return;
        }
        this.lastReceived = batch.commitId;
        this.enqueue(batch, { kind: "new-commit" });
      },
    });
  }

  /** Re-applies the last good commit after whatever runs now (never replacing a new commit that waits). */
  private reapply(reason: SyncReason): void {
    if (this.lastGood && !this.pending) this.enqueue(undefined, reason);
  }

  private enqueue(batch: ObjectsBatch | undefined, reason: SyncReason): void {
    if (this.stopping.signal.aborted) return;
    this.pending = { batch, reason };
    if (cancelsCurrentSync(reason)) this.current?.abort(); // a newer commit cancels the apply in progress
    this.waiting?.abort(); // anything new ends the wait for status: the re-apply must not queue behind it
    this.running ??= this.drain().finally(() => (this.running = undefined));
  }

  private async drain(): Promise<void> {
    while (this.pending && !this.stopping.signal.aborted) {
      const { reason } = this.pending;
      // Resolved now, not when queued: a re-apply queued during a sync must use the commit that sync made good.
      const batch = this.pending.batch ?? this.lastGood;
      this.pending = undefined;
      if (!batch) continue;
      this.current = new AbortController();
      this.waiting = new AbortController();
      const started = Date.now();
      this.log.debug("Sync starting", { [F.commitId]: batch.commitId, [F.message]: describeReason(reason) });
      // Progress of a new commit only: a re-apply of the last good one has nothing for a CI job to wait on.
      const progress = reason.kind === "new-commit" ? new ProgressThrottle((r: ReturnType<typeof toReport>) => this.report(r)) : undefined;
      const onProgress = progress && ((results: Parameters<typeof toProgressReport>[2]) => progress.push(toProgressReport(batch.projectId, batch.commitId, results, started)));
      let outcome: SyncOutcome;
      try {
        outcome = await syncCommit(
          this.deps.store,
          { batch, project: this.config.project, scope: this.config.scope, agentId: this.deps.agentId, agentNamespace: this.deps.agentNamespace, inventoryName: this.deps.inventoryName, signal: this.current.signal, waitSignal: this.waiting.signal, onProgress },
          this.log,
        );
      } catch (err) {
        this.log.error("Synchronization error", { [F.commitId]: batch.commitId, [F.error]: err });
        this.metrics.errored();
        continue;
      } finally {
        progress?.stop();
      }
      if (outcome.cancelled) continue;
      this.metrics.recorded(outcome, (Date.now() - started) / 1000);
      if (!outcome.rejected) {
        this.lastGood = batch;
        this.watchDrift(outcome);
      }
      this.report(toReport(batch.projectId, outcome, started, Date.now()));
    }
  }

  private watchDrift(outcome: SyncOutcome): void {
    const objects = outcome.results.flatMap((r) => {
      if (r.status !== "Applied" && r.status !== "Skipped") return [];
      const info = this.deps.store.discovery.lookupGroupKind(r.ref.group, r.ref.kind);
      return info ? [{ info, namespace: r.ref.namespace, name: r.ref.name }] : [];
    });
    this.drift.watch(objects);
  }

  private report(report: ReturnType<typeof toReport>): void {
    this.reports.report(report);
  }

  /** The project left the configuration: drop its current-state metrics. */
  forgetMetrics(): void {
    this.metrics.forget();
  }

  /** Stops streaming, cancels a sync in progress, waits for it. */
  async stop(): Promise<void> {
    this.stopping.abort();
    this.reports.stop();
    this.current?.abort();
    if (this.timer) clearInterval(this.timer);
    this.drift.stop();
    await this.running;
    await this.stream;
  }
}
