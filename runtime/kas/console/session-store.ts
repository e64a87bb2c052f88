/**
 * Where the console's browser sessions live: in memory (one kas; a restart
 * signs everyone out) or, with kas.yaml `redis`, in Redis so that every
 * replica knows every session and a restart keeps them (redis-sessions.ts).
 */
import type { ConsoleViewer } from "./viewer";

export interface SessionLimits {
  /** Sessions kept at once; signing in beyond it ends the oldest. */
  readonly maxSessions: number;
  /** A session's lifetime from sign-in. */
  readonly ttlMs: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = { maxSessions: 1000, ttlMs: 8 * 3_600_000 };

export interface NewSession {
  /** The cookie's value: 32 random bytes, base64url. */
  readonly id: string;
  readonly maxAgeS: number;
}

export interface SessionLookup {
  readonly viewer: ConsoleViewer;
  /** Milliseconds until the session ends by itself (its live streams end then too). */
  readonly remainingMs: number;
}

export interface SessionStore {
  /** Calls `listener` with each session id that ends here (sign-out, expiry, eviction; with redis also a sign-out on another replica): its live streams close. */
  onEnd(listener: (id: string) => void): void;
  create(viewer: ConsoleViewer): Promise<NewSession>;
  /** The session's viewer, or undefined when unknown or expired. Throws SessionStoreUnavailable when it cannot tell. */
  lookup(id: string | undefined): Promise<SessionLookup | undefined>;
  end(id: string): Promise<void>;
  /** Sessions this replica knows of (memory: all of them; redis: those used here lately). */
  readonly size: number;
  close(): void;
}

/** The store cannot answer now (Redis away): the console answers 503, never a wrong 401 or a crash. */
export class SessionStoreUnavailable extends Error {
  constructor(what: string) {
    super(`console sessions unavailable (${what}); try again shortly`);
    this.name = "SessionStoreUnavailable";
  }
}
