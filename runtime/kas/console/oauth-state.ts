/**
 * A started GitLab sign-in, carried by the browser: the state cookie holds
 * the state, the PKCE verifier, where to go afterwards and when it expires,
 * signed (HMAC-SHA256) with the OAuth application's client secret. kas keeps
 * nothing per started sign-in, so anyone's flood of /oauth/start pushes no
 * real sign-in out, and the callback may reach any replica (each has the
 * secret). Pure.
 */
import { createHmac, randomBytes } from "node:crypto";
import { sameSecret } from "../server/secret-compare";
import { safeNext } from "./sign-in-page";

export interface PendingSignIn {
  readonly state: string;
  readonly verifier: string;
  /** A path of this console. */
  readonly next: string;
  /** Milliseconds since the epoch. */
  readonly expiresAt: number;
}

const mac = (secret: string, body: string): string => createHmac("sha256", secret).update(`kas console oauth state\n${body}`).digest("base64url");

export function newPendingSignIn(next: string, expiresAt: number): PendingSignIn {
  return { state: randomBytes(24).toString("base64url"), verifier: randomBytes(32).toString("base64url"), next: safeNext(next), expiresAt };
}

/** The cookie's value: `state.verifier.next.expiresAt.mac` (base64url and digits only). */
export function sealPendingSignIn(secret: string, p: PendingSignIn): string {
  const body = [p.state, p.verifier, Buffer.from(p.next).toString("base64url"), String(p.expiresAt)].join(".");
  return `${body}.${mac(secret, body)}`;
}

/** The sign-in a cookie value carries, when signed with `secret` and not expired at `now`; else undefined. */
export function openPendingSignIn(secret: string, value: string, now: number): PendingSignIn | undefined {
  const parts = value.split(".");
  if (parts.length !== 5) return undefined;
  const [state, verifier, next, expires, signature] = parts as [string, string, string, string, string];
  if (!sameSecret(signature, mac(secret, parts.slice(0, 4).join(".")))) return undefined;
  const expiresAt = Number(expires);
  if (!(expiresAt > now)) return undefined;
  return { state, verifier, next: safeNext(Buffer.from(next, "base64url").toString("utf8")), expiresAt };
}
