/**
 * Who is asking: `Authorization: Bearer <api token>` (scripts) or the session
 * cookie (browsers). Nothing of the console is shown to anyone else.
 */
import type * as http from "node:http";
import { sameSecret } from "../server/secret-compare";
import type { SessionStore } from "./session-store";
import { sessionIdOf } from "./sessions";
import type { ConsoleViewer } from "./viewer";

export type Refusal = "missing_token" | "wrong_token";

export type Resolved = { readonly viewer: ConsoleViewer; readonly session?: { readonly id: string; readonly remainingMs: number } } | { readonly refused: Refusal };

/** `token` undefined: a loopback listener with no token configured (kas.yaml allows it only there), open as before. */
export async function resolveViewer(req: http.IncomingMessage, token: string | undefined, sessions: SessionStore): Promise<Resolved> {
  if (token === undefined) return { viewer: { kind: "api-token" } };
  const header = req.headers.authorization;
  if (typeof header === "string" && header !== "") {
    const m = /^Bearer +(\S+) *$/i.exec(header);
    return m && sameSecret(m[1] as string, token) ? { viewer: { kind: "api-token" } } : { refused: m ? "wrong_token" : "missing_token" };
  }
  const session = sessionIdOf(req.headers.cookie);
  const found = await sessions.lookup(session);
  return found && session ? { viewer: found.viewer, session: { id: session, remainingMs: found.remainingMs } } : { refused: "missing_token" };
}
