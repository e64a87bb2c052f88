import { DURATION_BUCKETS, type Metrics } from "../../common";
import type { SyncOutcome } from "../apply";

/** What a finished sync counts as, for agentk_syncs_total{result}. */
export function syncResult(outcome: Pick<SyncOutcome, "rejected" | "error">): "rejected" | "failed" | "ok" {
  return outcome.rejected ? "rejected" : outcome.error ? "failed" : "ok";
}

/**
 * One manifest project's sync metrics. The commit info gauge holds one series
 * per project: the previous commit's series is removed when a new commit is
 * synced, or a dashboard would show every commit ever synced as current.
 */
export class SyncMetrics {
  private lastCommit: string | undefined;

  constructor(
    private readonly metrics: Metrics,
    private readonly project: string,
  ) {}

  /** A sync that threw before it had an outcome. */
  errored(): void {
    this.syncs().inc({ project: this.project, result: "error" });
  }

  recorded(outcome: SyncOutcome, seconds: number, now = Date.now()): void {
    const m = this.metrics;
    const project = this.project;
    const result = syncResult(outcome);
    this.syncs().inc({ project, result });
    const count = (status: string) => outcome.results.filter((r) => r.status === status).length;
    m.counter("agentk_objects_applied_total", "Objects written by server-side apply", ["project"]).inc({ project }, count("Applied"));
    m.counter("agentk_objects_failed_total", "Objects whose apply or prune failed", ["project"]).inc({ project }, count("ApplyFailed") + count("PruneFailed"));
    m.counter("agentk_objects_pruned_total", "Objects pruned", ["project"]).inc({ project }, count("Pruned"));
    m.histogram("agentk_sync_duration_seconds", "Duration of syncs (parse, apply, prune, status wait)", ["project"], DURATION_BUCKETS).observe({ project }, seconds);
    const info = this.info();
    if (this.lastCommit !== undefined && this.lastCommit !== outcome.commitId) info.remove({ project, commit_id: this.lastCommit });
    info.set({ project, commit_id: outcome.commitId }, 1);
    this.lastCommit = outcome.commitId;
    if (result === "ok") {
      this.lastSuccess().set({ project }, now / 1000);
    }
  }

  /**
   * The project left the configuration: its "current" series go (the commit
   * info and the success timestamp, else a staleness alert fires for a
   * project nobody syncs any more); counters and durations stay, as counters do.
   */
  forget(): void {
    if (this.lastCommit !== undefined) this.info().remove({ project: this.project, commit_id: this.lastCommit });
    this.lastCommit = undefined;
    this.lastSuccess().remove({ project: this.project });
  }

  private info() {
    return this.metrics.gauge("agentk_last_synced_commit_info", "The last synced commit (value 1)", ["project", "commit_id"]);
  }

  private lastSuccess() {
    return this.metrics.gauge("agentk_last_successful_sync_timestamp_seconds", "When the last successful sync of the project ended (seconds since the epoch), for staleness alerts", ["project"]);
  }

  private syncs() {
    return this.metrics.counter("agentk_syncs_total", "Syncs by result", ["project", "result"]);
  }
}
