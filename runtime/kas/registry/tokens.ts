/**
 * Token hashing and constant-time lookup. Only SHA-256 hashes of tokens are
 * stored; a presented token is hashed and compared against every stored hash
 * with timingSafeEqual, without stopping at the first match, so the time taken
 * says nothing about which (or whether a) stored hash matched.
 */
import { timingSafeEqual } from "node:crypto";
import { tokenSha256 } from "../../common/deploy";
import type { AgentInfo } from "./types";

/** Hex SHA-256 of the token's UTF-8 bytes: what the registry file stores; the very function infra writes it with. */
export { tokenSha256 as hashToken } from "../../common/deploy";

export interface TokenEntry {
  /** 32 bytes. */
  readonly hash: Buffer;
  readonly agent: AgentInfo;
  readonly revoked: boolean;
}

/** Tokens longer than this, or with characters outside visible ASCII, cannot be valid: refused without lookup. */
export const MAX_TOKEN_LENGTH = 4096;
const TOKEN_CHARS = /^[\x21-\x7e]+$/;

export function isPlausibleToken(token: unknown): token is string {
  return typeof token === "string" && token.length <= MAX_TOKEN_LENGTH && TOKEN_CHARS.test(token);
}

export function findAgent(entries: readonly TokenEntry[], token: string): AgentInfo | undefined {
  const presented = Buffer.from(tokenSha256(token), "hex");
  let found: AgentInfo | undefined;
  for (const entry of entries) {
    // Every entry is compared; a match only sets `found`, it never ends the loop.
    const equal = timingSafeEqual(entry.hash, presented);
    if (equal && !entry.revoked) found = entry.agent;
  }
  return found;
}
