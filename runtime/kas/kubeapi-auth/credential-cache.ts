/**
 * Verified credentials, remembered briefly so a burst of kubectl calls does
 * not verify (or ask GitLab about) the same token each time. Keyed by the
 * token's SHA-256, never the token: a heap dump or a debug print of the cache
 * holds no credential. Bounded in entries (least recently used go first) and
 * in time: an entry lives `ttlMs`, and never past the credential's own expiry.
 */
import { createHash } from "node:crypto";
import { Lru } from "../../common";

export interface CredentialCacheOptions {
  /** Default 10,000. */
  readonly maxEntries?: number;
  /** Default 60 s (GitLab caches allowed_agents answers about as long). */
  readonly ttlMs?: number;
  /** Milliseconds; default Date.now. */
  readonly now?: () => number;
}

interface Entry<V> {
  readonly value: V;
  readonly until: number;
}

/** The cache key, and what logs may show of a credential to correlate lines: `sha256:` and 12 hex digits. */
export function credentialFingerprint(token: string): string {
  return `sha256:${tokenHash(token).slice(0, 12)}`;
}
function tokenHash(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export class CredentialCache<V> {
  private readonly entries: Lru<string, Entry<V>>;
  private readonly pending = new Map<string, Promise<V>>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(options: CredentialCacheOptions = {}) {
    // Weight 1 an entry; Lru keeps nothing heavier than a quarter of its budget.
    this.entries = new Lru(Math.max(options.maxEntries ?? 10_000, 4));
    this.ttlMs = options.ttlMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  get(token: string): V | undefined {
    const key = tokenHash(token);
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.until <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** `expiresAtMs`: the credential's own expiry (a JWT's exp), which the entry never outlives. */
  set(token: string, value: V, expiresAtMs = Infinity): void {
    const until = Math.min(this.now() + this.ttlMs, expiresAtMs);
    if (until > this.now()) this.entries.set(tokenHash(token), { value, until });
  }

  /**
   * The remembered value, or `verify()`'s, shared by concurrent callers with
   * the same token. Only values `keep` accepts are remembered (a denial is
   * not, so a fixed config or a new key applies at once); `expiresAtMs` bounds the entry.
   */
  async remember(token: string, verify: () => Promise<V>, keep: (value: V) => { keep: boolean; expiresAtMs?: number }): Promise<V> {
    const hit = this.get(token);
    if (hit !== undefined) return hit;
    const key = tokenHash(token);
    let running = this.pending.get(key);
    if (running === undefined) {
      running = verify().finally(() => this.pending.delete(key));
      this.pending.set(key, running);
      const value = await running;
      const verdict = keep(value);
      if (verdict.keep) this.set(token, value, verdict.expiresAtMs);
      return value;
    }
    return running;
  }
}
