import { createHash } from "node:crypto";

/**
 * Hex SHA-256 of the token's UTF-8 bytes: what kas's registry file stores and
 * compares, and what infra writes into it. One function, so the two sides
 * cannot hash differently.
 */
export function tokenSha256(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}
