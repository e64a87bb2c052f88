/** A small TTL cache with an entry cap (oldest dropped first) and an injectable clock. */
export class TtlCache<V> {
  private readonly entries = new Map<string, { readonly value: V; readonly expiresAt: number }>();

  constructor(
    private readonly now: () => number,
    private readonly maxEntries: number,
  ) {}

  /** `found: false` when absent or expired; the value itself may be undefined (a cached "no"). */
  get(key: string): { found: true; value: V } | { found: false } {
    const entry = this.entries.get(key);
    if (entry === undefined) return { found: false };
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return { found: false };
    }
    return { found: true, value: entry.value };
  }

  set(key: string, value: V, ttlMs: number): void {
    if (ttlMs <= 0) return;
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.evict();
    this.entries.set(key, { value, expiresAt: this.now() + ttlMs });
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }

  private evict(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
    // Still full: drop the oldest insertions (Map iterates in insertion order).
    for (const key of this.entries.keys()) {
      if (this.entries.size < this.maxEntries) break;
      this.entries.delete(key);
    }
  }
}
