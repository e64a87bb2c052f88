/**
 * Console sessions in Redis (kas.yaml `redis`): every replica knows every
 * session, and a restart keeps them.
 *
 * - `<prefix>:console:session:<sha256(id)>` holds the viewer (JSON), PX its
 *   remaining lifetime; the id itself is never stored, and a GitLab user's
 *   access token is sealed (session-crypto.ts).
 * - `<prefix>:console:sessions`, a sorted set hash -> expiry (ms), bounds
 *   them across replicas: each sign-in drops the expired and, past
 *   maxSessions, the soonest to expire (the oldest, to the millisecond), as
 *   the memory store does: at most maxSessions (1000) sessions in Redis.
 * - A sign-out deletes both and publishes the hash on
 *   `<prefix>:console:session-ended`: each replica drops it from its cache
 *   and ends its live streams.
 * - Lookups are cached `cacheMs` (5 s) per replica: a page's N requests cost
 *   one GET. A sign-out holds at once where it happened and, if its message
 *   is lost (Redis away), within `cacheMs` elsewhere.
 * - Redis away: sign-in, sign-out and uncached lookups throw
 *   SessionStoreUnavailable (503); nothing is kept in memory instead.
 */
import { F, rateLimitedLog, type Logger } from "../../common";
import type { RedisConnections } from "../shared";
import { sessionHash, sessionSealKey } from "./session-crypto";
import { decodeSession, encodeSession } from "./session-value";
import { DEFAULT_SESSION_LIMITS, SessionStoreUnavailable, type NewSession, type SessionLimits, type SessionLookup, type SessionStore } from "./session-store";
import { newSessionId } from "./sessions";
import type { ConsoleViewer } from "./viewer";

export const DEFAULT_SESSION_CACHE_MS = 5_000;

export interface RedisSessionsOptions {
  readonly redis: RedisConnections;
  /** The secret every replica shares (private_api's, else console.session_secret_file); required to store GitLab users' sessions. */
  readonly secret?: string;
  readonly limits?: SessionLimits;
  readonly cacheMs?: number;
  readonly logger: Logger;
  readonly now?: () => number;
}

/** The Redis keys of the console's sessions: the one place they are spelled. */
export function consoleSessionKeys(prefix: string): { session(hash: string): string; index: string; endedChannel: string } {
  return { session: (h) => `${prefix}:console:session:${h}`, index: `${prefix}:console:sessions`, endedChannel: `${prefix}:console:session-ended` };
}

export class RedisSessions implements SessionStore {
  private readonly keys;
  private readonly limits: SessionLimits;
  private readonly cacheMs: number;
  private readonly now: () => number;
  private readonly sealKey: Buffer | undefined;
  private readonly listeners: ((id: string) => void)[] = [];
  /** hash -> the lookup and until when it may be answered without Redis. */
  private readonly cache = new Map<string, { readonly viewer: ConsoleViewer; readonly exp: number; readonly until: number }>();
  /** hash -> id of sessions used here (at most maxSessions, oldest forgotten): whose live streams a sign-out elsewhere ends. */
  private readonly seen = new Map<string, string>();
  private readonly logUnreadable;
  private readonly logFailure;
  private readonly onMessage = (channel: string, hash: string): void => {
    if (channel === this.keys.endedChannel) this.endHere(hash);
  };

  constructor(private readonly o: RedisSessionsOptions) {
    this.keys = consoleSessionKeys(o.redis.keyPrefix);
    this.limits = o.limits ?? DEFAULT_SESSION_LIMITS;
    this.cacheMs = o.cacheMs ?? DEFAULT_SESSION_CACHE_MS;
    this.now = o.now ?? Date.now;
    this.sealKey = o.secret === undefined ? undefined : sessionSealKey(o.secret);
    this.logUnreadable = rateLimitedLog(o.logger, "warn", "Console session in Redis unreadable (another session secret?): treated as signed out");
    this.logFailure = rateLimitedLog(o.logger, "warn", "Console sessions: Redis command failed (the console answers 503)");
    o.redis.subscriber.on("message", this.onMessage);
    void o.redis.subscriber.subscribe(this.keys.endedChannel).catch(() => undefined);
  }

  onEnd(listener: (id: string) => void): void {
    this.listeners.push(listener);
  }

  async create(viewer: ConsoleViewer): Promise<NewSession> {
    const id = newSessionId();
    const hash = sessionHash(id);
    const now = this.now();
    const exp = now + this.limits.ttlMs;
    const value = encodeSession(this.sealKey, viewer, hash, exp);
    const client = this.o.redis.client;
    const card = await this.command("sign-in", async () => {
      const res = await client.multi().set(this.keys.session(hash), value, "PX", this.limits.ttlMs).zadd(this.keys.index, exp, hash).zremrangebyscore(this.keys.index, "-inf", now).zcard(this.keys.index).exec();
      return Number(res?.[3]?.[1] ?? 0);
    });
    if (card > this.limits.maxSessions) await this.evict(card - this.limits.maxSessions);
    this.remember(hash, id, viewer, exp);
    return { id, maxAgeS: Math.floor(this.limits.ttlMs / 1000) };
  }

  async lookup(id: string | undefined): Promise<SessionLookup | undefined> {
    if (!id) return undefined;
    const hash = sessionHash(id);
    const now = this.now();
    const cached = this.cache.get(hash);
    if (cached && cached.until > now) return this.answer(hash, cached.viewer, cached.exp, now);
    const raw = await this.command("session lookup", () => this.o.redis.client.get(this.keys.session(hash)));
    const stored = raw === null ? undefined : (decodeSession(this.sealKey, raw, hash) ?? this.unreadable(hash));
    if (!stored) {
      this.endHere(hash);
      return undefined;
    }
    this.remember(hash, id, stored.viewer, stored.exp);
    return this.answer(hash, stored.viewer, stored.exp, now);
  }

  async end(id: string): Promise<void> {
    const hash = sessionHash(id);
    this.seen.set(hash, id);
    this.endHere(hash);
    await this.command("sign-out", () => this.o.redis.client.multi().del(this.keys.session(hash)).zrem(this.keys.index, hash).publish(this.keys.endedChannel, hash).exec());
  }

  get size(): number {
    return this.seen.size;
  }

  close(): void {
    this.o.redis.subscriber.off("message", this.onMessage);
  }

  /** Ends the `count` sessions that expire soonest, on every replica. */
  private async evict(count: number): Promise<void> {
    await this.command("sign-in", async () => {
      const popped = await this.o.redis.client.zpopmin(this.keys.index, count);
      const hashes = popped.filter((_, i) => i % 2 === 0);
      const m = this.o.redis.client.multi();
      for (const h of hashes) m.del(this.keys.session(h)).publish(this.keys.endedChannel, h);
      await m.exec();
      for (const h of hashes) this.endHere(h);
    });
  }

  private answer(hash: string, viewer: ConsoleViewer, exp: number, now: number): SessionLookup | undefined {
    if (exp > now) return { viewer, remainingMs: exp - now };
    this.endHere(hash);
    return undefined;
  }

  private remember(hash: string, id: string, viewer: ConsoleViewer, exp: number): void {
    for (const m of [this.cache, this.seen] as Map<string, unknown>[]) {
      m.delete(hash);
      if (m.size >= this.limits.maxSessions) m.delete(m.keys().next().value as string);
    }
    this.cache.set(hash, { viewer, exp, until: this.now() + this.cacheMs });
    this.seen.set(hash, id);
  }

  /** The session ended (here or elsewhere): forget it, and end its live streams here. */
  private endHere(hash: string): void {
    this.cache.delete(hash);
    const id = this.seen.get(hash);
    if (id === undefined) return;
    this.seen.delete(hash);
    for (const l of this.listeners) l(id);
  }

  private async command<T>(what: string, run: () => Promise<T>): Promise<T> {
    if (!this.o.redis.ready()) throw new SessionStoreUnavailable(`Redis unavailable for ${what}`);
    try {
      return await run();
    } catch (err) {
      this.logFailure({ [F.reason]: what, [F.error]: err instanceof Error ? err.message : String(err) });
      throw new SessionStoreUnavailable(`Redis failed ${what}`);
    }
  }

  private unreadable(hash: string): undefined {
    this.logUnreadable({ [F.reason]: `session ${hash.slice(0, 8)}` });
    return undefined;
  }
}
