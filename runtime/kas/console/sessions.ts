/**
 * Browser sessions of the console in memory (one kas, no `redis`): a random
 * id (the cookie) -> who signed in. Bounded in number (the oldest goes
 * first) and in time (a session ends `ttlMs` after sign-in); a kas restart
 * signs everyone out. With `redis`, redis-sessions.ts keeps them instead.
 */
import { randomBytes } from "node:crypto";
import { DEFAULT_SESSION_LIMITS, type NewSession, type SessionLimits, type SessionLookup, type SessionStore } from "./session-store";
import type { ConsoleViewer } from "./viewer";

export { DEFAULT_SESSION_LIMITS, type SessionLimits } from "./session-store";

export const SESSION_COOKIE = "kas_console_session";

interface Session {
  readonly viewer: ConsoleViewer;
  readonly expiresAt: number;
}

/** A new session id: 32 random bytes, base64url (43 characters). */
export function newSessionId(): string {
  return randomBytes(32).toString("base64url");
}

export class Sessions implements SessionStore {
  /** Insertion order is sign-in order: the first key is the oldest. */
  private readonly byId = new Map<string, Session>();
  private readonly endListeners: ((id: string) => void)[] = [];

  constructor(
    private readonly limits: SessionLimits = DEFAULT_SESSION_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  onEnd(listener: (id: string) => void): void {
    this.endListeners.push(listener);
  }

  create(viewer: ConsoleViewer): Promise<NewSession> {
    while (this.byId.size >= this.limits.maxSessions) {
      const oldest = this.byId.keys().next().value;
      if (oldest === undefined) break;
      this.endNow(oldest);
    }
    const id = newSessionId();
    this.byId.set(id, { viewer, expiresAt: this.now() + this.limits.ttlMs });
    return Promise.resolve({ id, maxAgeS: Math.floor(this.limits.ttlMs / 1000) });
  }

  lookup(id: string | undefined): Promise<SessionLookup | undefined> {
    const viewer = this.get(id);
    const s = id === undefined ? undefined : this.byId.get(id);
    return Promise.resolve(viewer && s ? { viewer, remainingMs: Math.max(0, s.expiresAt - this.now()) } : undefined);
  }

  /** The session's viewer, or undefined when unknown or expired (then it ends). */
  get(id: string | undefined): ConsoleViewer | undefined {
    if (!id) return undefined;
    const s = this.byId.get(id);
    if (!s) return undefined;
    if (s.expiresAt <= this.now()) {
      this.endNow(id);
      return undefined;
    }
    return s.viewer;
  }

  end(id: string): Promise<void> {
    this.endNow(id);
    return Promise.resolve();
  }

  get size(): number {
    return this.byId.size;
  }

  close(): void {}

  private endNow(id: string): void {
    if (!this.byId.delete(id)) return;
    for (const l of this.endListeners) l(id);
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
