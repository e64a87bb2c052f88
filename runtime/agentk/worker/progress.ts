/**
 * Progress reports while a sync runs, throttled: the first goes at once, then
 * at most one per interval, the latest winning (a Deployment's status may
 * change every poll; kas needs the gist, not every step). stop() drops what
 * waits: the final report follows it.
 */

export interface ThrottleClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const REAL_CLOCK: ThrottleClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** One progress report per second at most. */
export const PROGRESS_INTERVAL_MS = 1000;

export class ProgressThrottle<T> {
  private lastSent = -Infinity;
  private waiting: { value: T } | undefined;
  private timer: unknown;
  private stopped = false;

  constructor(
    private readonly send: (value: T) => void,
    private readonly intervalMs = PROGRESS_INTERVAL_MS,
    private readonly clock: ThrottleClock = REAL_CLOCK,
  ) {}

  push(value: T): void {
    if (this.stopped) return;
    const due = this.lastSent + this.intervalMs - this.clock.now();
    if (due <= 0 && this.timer === undefined) return this.emit(value);
    this.waiting = { value };
    this.timer ??= this.clock.setTimeout(() => this.flush(), Math.max(0, due));
  }

  /** No more reports from this sync. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.waiting = undefined;
  }

  private flush(): void {
    this.timer = undefined;
    const w = this.waiting;
    this.waiting = undefined;
    if (w && !this.stopped) this.emit(w.value);
  }

  private emit(value: T): void {
    this.lastSent = this.clock.now();
    this.send(value);
  }
}
