/**
 * The `Gitlab-Kas-Api-Request` JWT kas sends with every call to GitLab's
 * internal API: HS256, iss `gitlab-kas`, aud `gitlab`, valid from 5 s ago for
 * 30 s, signed with the shared secret (GitLab's `.gitlab_kas_secret`: base64 of
 * 32 random bytes). Built with node:crypto; `verifyKasJwt` is GitLab's side,
 * for a stand-in GitLab in tests.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";

export const JWT_ISSUER = "gitlab-kas";
export const JWT_AUDIENCE = "gitlab";
export const JWT_HEADER = "Gitlab-Kas-Api-Request";
const VALID_FOR_SECONDS = 30;
const NOT_BEFORE_SKEW_SECONDS = 5;
export const KAS_SECRET_BYTES = 32;

const b64url = (data: string | Buffer): string => Buffer.from(data).toString("base64url");

/** `audience`: GitLab's API by default; the other kas replicas (JWT_ISSUER) on the private API, which adds a `jti` (`extra`). */
export function signKasJwt(secret: Buffer, nowMs: number = Date.now(), audience: string = JWT_AUDIENCE, extra: Readonly<Record<string, string>> = {}): string {
  const now = Math.floor(nowMs / 1000);
  const header = b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const claims = b64url(
    JSON.stringify({
      iss: JWT_ISSUER,
      aud: audience,
      iat: now,
      nbf: now - NOT_BEFORE_SKEW_SECONDS,
      exp: now + VALID_FOR_SECONDS,
      ...extra,
    }),
  );
  const signature = createHmac("sha256", secret).update(`${header}.${claims}`).digest("base64url");
  return `${header}.${claims}.${signature}`;
}

/** Why the JWT is not acceptable to GitLab, or undefined when it is. */
export function verifyKasJwt(jwt: string, secret: Buffer, nowMs: number = Date.now(), audience: string = JWT_AUDIENCE): string | undefined {
  const [header, claims, signature, ...rest] = jwt.split(".");
  if (header === undefined || claims === undefined || signature === undefined || rest.length > 0) return "malformed";
  const expected = createHmac("sha256", secret).update(`${header}.${claims}`).digest();
  const given = Buffer.from(signature, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return "bad signature";
  let head: unknown;
  let body: unknown;
  try {
    head = JSON.parse(Buffer.from(header, "base64url").toString("utf8"));
    body = JSON.parse(Buffer.from(claims, "base64url").toString("utf8"));
  } catch {
    return "malformed";
  }
  const h = head as { alg?: unknown };
  const c = body as { iss?: unknown; aud?: unknown; exp?: unknown; nbf?: unknown };
  if (h.alg !== "HS256") return "bad alg";
  if (c.iss !== JWT_ISSUER) return "bad iss";
  const audiences = Array.isArray(c.aud) ? c.aud : [c.aud];
  if (!audiences.includes(audience)) return "bad aud";
  const now = nowMs / 1000;
  if (typeof c.exp !== "number" || c.exp <= now) return "expired";
  if (typeof c.nbf === "number" && c.nbf > now) return "not yet valid";
  return undefined;
}

/** The shared secret from GitLab's secret file (base64 of 32 bytes). Throws naming the file and what was expected. */
export function readKasSecret(file: string): Buffer {
  const text = readFileSync(file, "utf8").trim();
  const secret = Buffer.from(text, "base64");
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || secret.length !== KAS_SECRET_BYTES) {
    throw new Error(`${file}: found ${secret.length} bytes of secret; expected base64 of exactly ${KAS_SECRET_BYTES} bytes`);
  }
  return secret;
}
