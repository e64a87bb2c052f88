/**
 * Browser sessions of the console: a random id (the cookie) -> who signed
 * in. Bounded in number (the oldest goes first) and in time (a session ends
 * `ttlMs` after sign-in); in memory, so a kas restart signs everyone out.
 */
import { randomBytes } from "node:crypto";
import type { ConsoleViewer } from "./viewer";

export interface SessionLimits {
  /** Sessions kept at once; signing in beyond it ends the oldest. */
  readonly maxSessions: number;
  /** A session's lifetime from sign-in. */
  readonly ttlMs: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = { maxSessions: 1000, ttlMs: 8 * 3_600_000 };

export const SESSION_COOKIE = "kas_console_session";

interface Session {
  readonly viewer: ConsoleViewer;
  readonly expiresAt: number;
}

export class Sessions {
  /** Insertion order is sign-in order: the first key is the oldest. */
  private readonly byId = new Map<string, Session>();
  private readonly endListeners: ((id: string) => void)[] = [];

  constructor(
    private readonly limits: SessionLimits = DEFAULT_SESSION_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Calls `listener` with each session that ends (sign-out, expiry, eviction): its live streams close. */
  onEnd(listener: (id: string) => void): void {
    this.endListeners.push(listener);
  }

  create(viewer: ConsoleViewer): { id: string; maxAgeS: number } {
    while (this.byId.size >= this.limits.maxSessions) {
      const oldest = this.byId.keys().next().value;
      if (oldest === undefined) break;
      this.end(oldest);
    }
    const id = randomBytes(32).toString("base64url");
    this.byId.set(id, { viewer, expiresAt: this.now() + this.limits.ttlMs });
    return { id, maxAgeS: Math.floor(this.limits.ttlMs / 1000) };
  }

  /** The session's viewer, or undefined when unknown or expired (then it ends). */
  get(id: string | undefined): ConsoleViewer | undefined {
    if (!id) return undefined;
    const s = this.byId.get(id);
    if (!s) return undefined;
    if (s.expiresAt <= this.now()) {
      this.end(id);
      return undefined;
    }
    return s.viewer;
  }

  /** Milliseconds until the session ends by itself (its live streams end then too); undefined when unknown. */
  remainingMs(id: string): number | undefined {
    const s = this.byId.get(id);
    return s && Math.max(0, s.expiresAt - this.now());
  }

  end(id: string): void {
    if (!this.byId.delete(id)) return;
    for (const l of this.endListeners) l(id);
  }

  get size(): number {
    return this.byId.size;
  }
}

/** The session cookie's value from a Cookie header, if any. */
export function sessionIdOf(cookieHeader: string | undefined): string | undefined {
  for (const part of (cookieHeader ?? "").split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === SESSION_COOKIE) return v.join("=") || undefined;
  }
  return undefined;
}

/** Set-Cookie for a new session: HttpOnly, SameSite=Strict, Secure when the browser came over https. */
export function sessionCookie(id: string, maxAgeS: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${secure ? "; Secure" : ""}`;
}

export function clearedCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure ? "; Secure" : ""}`;
}
