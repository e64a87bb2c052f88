/**
 * What keeps a session stored in Redis from being a usable credential: the
 * key is the SHA-256 of the session id (the id itself is never stored), and
 * a GitLab user's access token is sealed with AES-256-GCM under a key every
 * replica derives (HKDF-SHA256) from the secret they share, bound to the
 * session's hash so a sealed token cannot be moved to another session.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** The id's SHA-256, hex: the session's name in Redis. */
export function sessionHash(id: string): string {
  return createHash("sha256").update(id).digest("hex");
}

/** The AES-256 key for sealing tokens, from the replicas' shared secret. */
export function sessionSealKey(secret: string): Buffer {
  return Buffer.from(hkdfSync("sha256", secret, "kas-console-session", "kas console session token v1", 32));
}

/** base64url(iv | tag | ciphertext) of `plaintext`, authenticated with `aad`. */
export function seal(key: Buffer, plaintext: string, aad: string): string {
  const iv = randomBytes(IV_BYTES);
  const c = createCipheriv("aes-256-gcm", key, iv);
  c.setAAD(Buffer.from(aad));
  const body = Buffer.concat([c.update(plaintext, "utf8"), c.final()]);
  return Buffer.concat([iv, c.getAuthTag(), body]).toString("base64url");
}

/** The plaintext, or undefined when `sealed` was not sealed with this key and `aad` (another secret, tampered, malformed). */
export function unseal(key: Buffer, sealed: string, aad: string): string | undefined {
  const raw = Buffer.from(sealed, "base64url");
  if (raw.length < IV_BYTES + TAG_BYTES) return undefined;
  try {
    const d = createDecipheriv("aes-256-gcm", key, raw.subarray(0, IV_BYTES));
    d.setAAD(Buffer.from(aad));
    d.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([d.update(raw.subarray(IV_BYTES + TAG_BYTES)), d.final()]).toString("utf8");
  } catch {
    return undefined;
  }
}
