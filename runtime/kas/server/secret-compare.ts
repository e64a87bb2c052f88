import { createHash, timingSafeEqual } from "node:crypto";

/**
 * Constant-time comparison of two secrets of any length: both are hashed to
 * equal-length digests first, so neither the content nor the length of the
 * expected secret shows in the timing. An empty expected secret never matches.
 */
export function sameSecret(given: string, expected: string): boolean {
  if (expected === "") return false;
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}
