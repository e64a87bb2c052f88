/**
 * At most `limit` tasks at once; the others wait their turn, first come first
 * served. A turn handed to a waiting task starts it on a later turn of the
 * event loop, so what the finished tasks wrote (a gRPC message, say) goes out
 * before the next task runs, even when the tasks never wait for I/O.
 */
export class Semaphore {
  private running = 0;
  private queue: (() => void)[] = [];
  private head = 0;

  constructor(readonly limit: number) {
    if (!(limit >= 1)) throw new Error(`a semaphore needs a limit of at least 1, not ${limit}`);
  }

  /** Tasks running now. */
  get active(): number {
    return this.running;
  }

  /** Tasks waiting for a turn. */
  get waiting(): number {
    return this.queue.length - this.head;
  }

  /** Runs `task` once a turn is free; the turn is given back when it settles. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running < this.limit) this.running++;
    else await new Promise<void>((resolve) => this.queue.push(resolve));
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  /** Hands the turn to the next waiting task, if any. */
  private release(): void {
    const next = this.queue[this.head];
    if (next === undefined) {
      this.running--;
      return;
    }
    this.head++;
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    }
    setImmediate(next);
  }
}
