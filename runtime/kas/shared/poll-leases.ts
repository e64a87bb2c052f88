/**
 * One poller per watched (project, ref) across replicas: the replica holding
 * the key `poll-lock:<watch key>` (SET NX PX) polls the remote; it renews the
 * lease every third of its TTL, and a replica that stops renewing (crashed,
 * cut off) loses it: another takes it within the TTL. Without Redis no one
 * can coordinate, so every replica polls (agents keep syncing).
 */
import type { RedisConnections } from "./redis-client";
import { redisKeys, type RedisKeys } from "./redis-keys";

/** Renews only a lease this replica still holds. */
const RENEW = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;

export const DEFAULT_POLL_LEASE_TTL_MS = 15_000;

export class PollLeases {
  private readonly held = new Map<string, boolean>();
  private readonly keys: RedisKeys;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly redis: RedisConnections,
    private readonly replicaId: string,
    private readonly ttlMs: number = DEFAULT_POLL_LEASE_TTL_MS,
  ) {
    this.keys = redisKeys(redis.keyPrefix);
    this.timer = setInterval(() => void this.tick(), Math.max(50, Math.floor(ttlMs / 3)));
    this.timer.unref();
  }

  /** Whether this replica should poll `watchKey` now; the first call starts competing for it. */
  mayPoll(watchKey: string): boolean {
    if (!this.redis.ready()) return true;
    if (!this.held.has(watchKey)) {
      this.held.set(watchKey, false);
      void this.compete(watchKey);
    }
    return this.held.get(watchKey) === true;
  }

  /** No subscriber left for `watchKey` here: give the lease up so another replica polls at once. */
  release(watchKey: string): void {
    const had = this.held.get(watchKey);
    this.held.delete(watchKey);
    if (had && this.redis.ready()) void this.redis.client.eval(RELEASE, 1, this.keys.pollLock(watchKey), this.replicaId).catch(() => undefined);
  }

  /** Leases held now (tests, metrics). */
  get holding(): number {
    return [...this.held.values()].filter(Boolean).length;
  }

  close(): void {
    clearInterval(this.timer);
    for (const k of [...this.held.keys()]) this.release(k);
  }

  private async tick(): Promise<void> {
    if (!this.redis.ready()) return;
    await Promise.all([...this.held.keys()].map((k) => this.compete(k)));
  }

  private async compete(watchKey: string): Promise<void> {
    const key = this.keys.pollLock(watchKey);
    const { client } = this.redis;
    try {
      // Renew first: after an outage the key may still name this replica (held was reset meanwhile).
      const holds = (await client.eval(RENEW, 1, key, this.replicaId, String(this.ttlMs))) === 1 || (await client.set(key, this.replicaId, "PX", this.ttlMs, "NX")) === "OK";
      if (this.held.has(watchKey)) this.held.set(watchKey, holds);
    } catch {
      // Redis away: mayPoll answers true until it returns; the lease is competed for again then.
      if (this.held.has(watchKey)) this.held.set(watchKey, false);
    }
  }
}
