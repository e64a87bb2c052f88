/**
 * Wrong credentials per client address (the sign-in form and
 * `Authorization: Bearer`): a token bucket each, `burst` failures then one
 * per `refillMs`. An address whose bucket is empty is refused (429) before
 * its credential is even looked at, a correct one too, until the bucket
 * refills: GitHub and GitLab do the same, so guessing cannot go on between
 * the refusals. At most `maxAddresses` are remembered, least recently failed
 * evicted first, so a flood of addresses costs bounded memory (an evicted
 * address starts again with a full bucket: at worst `burst` more guesses).
 */

export interface FailureLimits {
  /** Failures an address may have in a row before it is refused. */
  readonly burst: number;
  /** One more failure allowed per this many ms. */
  readonly refillMs: number;
  /** Addresses remembered at most (least recently failed evicted). */
  readonly maxAddresses: number;
}

export const DEFAULT_FAILURE_LIMITS: FailureLimits = { burst: 10, refillMs: 1_000, maxAddresses: 10_000 };

interface Bucket {
  tokens: number;
  at: number;
}

export class FailureLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly limits: FailureLimits = DEFAULT_FAILURE_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Addresses remembered (for tests and a gauge). */
  get size(): number {
    return this.buckets.size;
  }

  /** Whether `address` is refused now: the ms until it may try again, or 0. */
  retryAfterMs(address: string): number {
    const b = this.buckets.get(address);
    if (!b) return 0;
    const tokens = this.refill(b);
    if (tokens >= 1) {
      if (tokens >= this.limits.burst) this.buckets.delete(address);
      return 0;
    }
    return Math.ceil((1 - tokens) * this.limits.refillMs);
  }

  /** Counts a wrong credential from `address`. */
  failed(address: string): void {
    const b = this.buckets.get(address);
    const tokens = b ? this.refill(b) : this.limits.burst;
    this.buckets.delete(address);
    this.buckets.set(address, { tokens: Math.max(0, tokens - 1), at: this.now() });
    while (this.buckets.size > this.limits.maxAddresses) {
      const oldest = this.buckets.keys().next().value as string;
      this.buckets.delete(oldest);
    }
  }

  private refill(b: Bucket): number {
    return Math.min(this.limits.burst, b.tokens + (this.now() - b.at) / this.limits.refillMs);
  }
}
