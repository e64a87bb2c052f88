import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/**
 * One Prometheus registry per kas or agentk (tests run several in one
 * process, so nothing goes to prom-client's global registry). Metrics are
 * got-or-created by name: a second call with the same name returns the first
 * metric, so a worker per project can ask for its counters without a
 * duplicate-registration error.
 */
export class Metrics {
  readonly registry = new Registry();

  counter<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return this.getOrCreate(name, Counter, () => new Counter({ name, help, labelNames, registers: [this.registry] }));
  }

  gauge<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
    return this.getOrCreate(name, Gauge, () => new Gauge({ name, help, labelNames, registers: [this.registry] }));
  }

  histogram<L extends string = never>(name: string, help: string, labelNames: readonly L[], buckets: readonly number[]): Histogram<L> {
    return this.getOrCreate(name, Histogram, () => new Histogram({ name, help, labelNames, buckets: [...buckets], registers: [this.registry] }));
  }

  /** A gauge read at scrape time. */
  gaugeFn(name: string, help: string, read: () => number): void {
    this.getOrCreate(name, Gauge, () => new Gauge({ name, help, registers: [this.registry], collect() { this.set(read()); } }));
  }

  /** The Prometheus text exposition (format 0.0.4). */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private getOrCreate<M>(name: string, kind: abstract new (...args: never[]) => M, create: () => M): M {
    const existing = this.registry.getSingleMetric(name);
    if (existing === undefined) return create();
    if (existing instanceof kind) return existing;
    throw new Error(`metric ${name}: already registered as another type`);
  }
}

/**
 * What every Prometheus client exposes (process_cpu_seconds_total as a
 * counter, process_start_time_seconds, memory, event loop, GC), plus the heap
 * gauge our benchmarks read.
 */
export function registerProcessMetrics(m: Metrics): void {
  collectDefaultMetrics({ register: m.registry });
  m.gaugeFn("nodejs_heap_used_bytes", "V8 heap used in bytes.", () => process.memoryUsage().heapUsed);
}

/** Buckets for durations from milliseconds to minutes (syncs, applies). */
export const DURATION_BUCKETS: readonly number[] = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
