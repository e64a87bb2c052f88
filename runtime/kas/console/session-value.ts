/**
 * A console session as stored in Redis (redis-sessions.ts): JSON of who
 * signed in and when it ends; a GitLab user's access token sealed, bound to
 * the session's hash (session-crypto.ts).
 */
import { seal, unseal } from "./session-crypto";
import type { ConsoleViewer } from "./viewer";

interface Stored {
  readonly kind: ConsoleViewer["kind"];
  /** When the session ends (ms since the epoch). */
  readonly exp: number;
  readonly username?: string;
  /** The sealed access token (gitlab-user). */
  readonly token?: string;
}

export function encodeSession(key: Buffer | undefined, viewer: ConsoleViewer, hash: string, exp: number): string {
  if (viewer.kind === "api-token") return JSON.stringify({ kind: viewer.kind, exp } satisfies Stored);
  if (!key) throw new Error("console sessions in Redis: a GitLab user's session needs the replicas' shared secret (private_api's or console.session_secret_file)");
  return JSON.stringify({ kind: viewer.kind, exp, username: viewer.username, token: seal(key, viewer.accessToken, hash) } satisfies Stored);
}

/** The viewer and its end, or undefined when `raw` is not a session this key opens (malformed, another secret, another session's token). */
export function decodeSession(key: Buffer | undefined, raw: string, hash: string): { viewer: ConsoleViewer; exp: number } | undefined {
  let s: Partial<Stored>;
  try {
    s = JSON.parse(raw) as Partial<Stored>;
  } catch {
    return undefined;
  }
  if (typeof s.exp !== "number") return undefined;
  if (s.kind === "api-token") return { viewer: { kind: "api-token" }, exp: s.exp };
  if (s.kind !== "gitlab-user" || typeof s.username !== "string" || typeof s.token !== "string" || !key) return undefined;
  const token = unseal(key, s.token, hash);
  return token === undefined ? undefined : { viewer: { kind: "gitlab-user", username: s.username, accessToken: token }, exp: s.exp };
}
