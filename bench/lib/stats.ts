/** Small statistics helpers for the benchmarks. */

/** Nearest-rank percentile (p in 0..100) of `values`; NaN for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

/** Milliseconds as "123 ms" or "1.23 s". */
export function ms(value: number): string {
  if (!Number.isFinite(value)) return "n/a";
  return value < 1000 ? `${Math.round(value)} ms` : `${(value / 1000).toFixed(2)} s`;
}

/** Bytes as MiB with one decimal. */
export function mib(bytes: number): string {
  return Number.isFinite(bytes) ? `${(bytes / 1048576).toFixed(1)} MiB` : "n/a";
}

/** A deterministic low-discrepancy sequence in [0, 1): spreads commit times evenly over a poll period. */
export function spread(i: number): number {
  return (i * 0.6180339887498949) % 1;
}

export const sleep = (delayMs: number): Promise<void> => new Promise((r) => setTimeout(r, delayMs));
