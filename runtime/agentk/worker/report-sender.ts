/**
 * Delivers one project's sync reports to kas. A final report kas did not
 * take (the replica was killed, kas restarts, no healthy replica behind the
 * load balancer for a moment) is sent again with backoff until kas takes it
 * or a newer final report replaces it; a report the agent only logs is lost
 * for good, since kas sends a commit once and agentk does not sync it again
 * (issue 20: kill -9 of the replica during a sync lost the sync's report).
 * Order is kept: while a final report waits, progress reports are dropped
 * (kas is away; the final one follows), so an older report never reaches
 * kas after a newer one.
 */
import { status, type ServiceError } from "@grpc/grpc-js";
import { createBackoff, type Backoff, type BackoffOptions } from "../../common";
import type { SyncStatusReport } from "../../rpc";
import { REAL_CLOCK, type ThrottleClock } from "./progress";

/** Retries start at once-a-second and settle at twice a minute: kas comes back within seconds, or agentk reconnects to another replica. */
export const REPORT_RETRY_BACKOFF: BackoffOptions = { initialMs: 1_000, maxMs: 30_000 };

/** Codes after which the same report may pass; others (a bad report, a refused token) would fail again. */
const TRANSIENT = new Set<number>([status.UNAVAILABLE, status.DEADLINE_EXCEEDED, status.CANCELLED, status.RESOURCE_EXHAUSTED, status.ABORTED, status.INTERNAL, status.UNKNOWN]);

export interface ReportSenderDeps {
  /** One ReportSyncStatus call; rejects with the gRPC error. */
  readonly send: (report: SyncStatusReport) => Promise<void>;
  /** A report not delivered: `retrying` false when it is given up. */
  readonly onFailure: (report: SyncStatusReport, err: unknown, retrying: boolean) => void;
  readonly backoff?: BackoffOptions;
  readonly clock?: ThrottleClock;
}

export class ReportSender {
  /** The newest final report kas has not taken yet. */
  private pending: SyncStatusReport | undefined;
  private sending = false;
  private timer: unknown;
  private stopped = false;
  private readonly backoff: Backoff;
  private readonly clock: ThrottleClock;

  constructor(private readonly deps: ReportSenderDeps) {
    this.backoff = createBackoff(deps.backoff ?? REPORT_RETRY_BACKOFF);
    this.clock = deps.clock ?? REAL_CLOCK;
  }

  report(r: SyncStatusReport): void {
    if (this.stopped) return;
    if (r.in_progress === true) {
      if (this.pending === undefined) this.deps.send(r).catch((err: unknown) => this.deps.onFailure(r, err, false));
      return;
    }
    this.pending = r;
    if (this.timer !== undefined) {
      // A new final report goes now, not when the older one's retry was due.
      this.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.pump();
  }

  /** Whether a final report waits to be delivered. */
  get waiting(): boolean {
    return this.pending !== undefined;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
  }

  private pump(): void {
    const r = this.pending;
    if (r === undefined || this.sending || this.timer !== undefined || this.stopped) return;
    this.sending = true;
    this.deps.send(r).then(
      () => {
        this.sending = false;
        this.backoff.reset();
        if (this.pending === r) this.pending = undefined;
        this.pump();
      },
      (err: unknown) => {
        this.sending = false;
        if (this.pending !== r) {
          // A newer final report came meanwhile: it replaces this one and goes now.
          this.deps.onFailure(r, err, false);
          return this.pump();
        }
        const code = (err as Partial<ServiceError> | null)?.code;
        const retry = !this.stopped && typeof code === "number" && TRANSIENT.has(code);
        this.deps.onFailure(r, err, retry);
        if (!retry) {
          this.pending = undefined;
          return;
        }
        this.timer = this.clock.setTimeout(() => {
          this.timer = undefined;
          this.pump();
        }, this.backoff.next());
      },
    );
  }
}
