/**
 * Verifying an OIDC ID token (a CI job's JWT, e.g. GitLab's `id_tokens:` or
 * another CI system's), with node:crypto only. Only asymmetric signatures are
 * accepted: `none` and HS* (a shared secret, which a JWKS would have to
 * publish) are refused before any key is looked up.
 */
import { createPublicKey, verify, type JsonWebKey, type KeyObject } from "node:crypto";

export const SUPPORTED_ALGS = ["RS256", "ES256"] as const;
export type SupportedAlg = (typeof SUPPORTED_ALGS)[number];

/** Clock skew tolerated for exp, nbf and iat. */
export const DEFAULT_LEEWAY_SECONDS = 60;
export const MIN_RSA_BITS = 2048;
/** A CI ID token is around 1 KiB; anything much larger is refused before parsing. */
export const MAX_TOKEN_CHARS = 16 * 1024;

/** A JSON Web Key as a JWKS publishes it. */
export interface Jwk {
  readonly kty?: string;
  readonly kid?: string;
  readonly alg?: string;
  readonly use?: string;
  readonly crv?: string;
  readonly [field: string]: unknown;
}

/** Where the verifier gets a key: a JwksCache, or a fixed set (tests, a pinned key). */
export interface KeySource {
  /** The key with this kid, or undefined when the issuer does not publish it; throws when the keys cannot be read. */
  key(kid: string): Promise<Jwk | undefined>;
}

export interface VerifyOptions {
  readonly issuer: string;
  /** The audience kas is configured with: the token's `aud` must name it. */
  readonly audience: string;
  readonly jwks: KeySource;
  /** Seconds since the epoch. Default: now. */
  readonly now?: () => number;
  readonly leewaySeconds?: number;
}

export type Claims = Readonly<Record<string, unknown>>;
export type VerifyResult = { readonly ok: true; readonly claims: Claims } | { readonly ok: false; readonly reason: string };

const deny = (reason: string): VerifyResult => ({ ok: false, reason });

/** Checks signature, iss, aud, exp, nbf, iat. Never includes the token in a reason. */
export async function verifyIdToken(token: string, options: VerifyOptions): Promise<VerifyResult> {
  if (token.length > MAX_TOKEN_CHARS) return deny(`ID token longer than ${MAX_TOKEN_CHARS} characters`);
  const parts = token.split(".");
  if (parts.length !== 3) return deny("not a JWT (expected three dot-separated parts)");
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = decodeJson(headerPart);
  const claims = decodeJson(payloadPart);
  if (header === undefined) return deny("JWT header is not base64url JSON");
  if (claims === undefined) return deny("JWT payload is not base64url JSON");
  const alg = header.alg;
  if (typeof alg !== "string" || !(SUPPORTED_ALGS as readonly string[]).includes(alg)) {
    return deny(`JWT alg ${JSON.stringify(alg)} is not accepted; expected one of ${SUPPORTED_ALGS.join(", ")}`);
  }
  if (typeof header.kid !== "string" || header.kid === "") return deny("JWT header has no kid");
  // RFC 7515 4.1.11: extensions marked critical must be understood; this verifier understands none.
  if (header.crit !== undefined) return deny("JWT header has crit extensions, which are not supported");
  let jwk: Jwk | undefined;
  try {
    jwk = await options.jwks.key(header.kid);
  } catch (e) {
    return deny(`cannot read the issuer's keys: ${(e as Error).message}`);
  }
  if (jwk === undefined) return deny(`the issuer publishes no key with kid ${JSON.stringify(header.kid)}`);
  const key = publicKeyFor(jwk, alg as SupportedAlg);
  if (typeof key === "string") return deny(key);
  const signature = Buffer.from(signaturePart, "base64url");
  const signed = Buffer.from(`${headerPart}.${payloadPart}`);
  const good = alg === "RS256" ? verify("sha256", signed, key, signature) : verify("sha256", signed, { key, dsaEncoding: "ieee-p1363" }, signature);
  if (!good) return deny("JWT signature does not verify");
  const problem = checkClaims(claims, options);
  return problem === undefined ? { ok: true, claims } : deny(problem);
}

/** A JWT part as a JSON object, or undefined when it is not base64url of one. */
export function decodeJson(part: string): Record<string, unknown> | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(part)) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The key, if the JWK fits the algorithm (an RSA key for RS256, a P-256 key for ES256). */
function publicKeyFor(jwk: Jwk, alg: SupportedAlg): KeyObject | string {
  const kid = JSON.stringify(jwk.kid);
  if (jwk.use !== undefined && jwk.use !== "sig") return `key ${kid} is for ${JSON.stringify(jwk.use)}, not signatures`;
  if (jwk.alg !== undefined && jwk.alg !== alg) return `key ${kid} is for ${String(jwk.alg)}, the token says ${alg}`;
  const fits = alg === "RS256" ? jwk.kty === "RSA" : jwk.kty === "EC" && jwk.crv === "P-256";
  if (!fits) return `key ${kid} (kty ${String(jwk.kty)}) cannot verify ${alg}`;
  try {
    // Only the public members: a JWKS that leaks "d" must not make this a private key.
    const { kty, n, e, crv, x, y } = jwk;
    const key = createPublicKey({ key: { kty, n, e, crv, x, y } as JsonWebKey, format: "jwk" });
    const bits = key.asymmetricKeyDetails?.modulusLength;
    if (kty === "RSA" && (bits === undefined || bits < MIN_RSA_BITS)) return `key ${kid} has ${String(bits)} bits; expected at least ${MIN_RSA_BITS}`;
    return key;
  } catch (e) {
    return `key ${kid} is not a valid public key: ${(e as Error).message}`;
  }
}

function checkClaims(claims: Claims, options: VerifyOptions): string | undefined {
  const now = options.now?.() ?? Date.now() / 1000;
  const leeway = options.leewaySeconds ?? DEFAULT_LEEWAY_SECONDS;
  if (claims.iss !== options.issuer) return `issuer ${JSON.stringify(claims.iss)} is not the configured issuer ${JSON.stringify(options.issuer)}`;
  const aud = claims.aud;
  const audiences = typeof aud === "string" ? [aud] : Array.isArray(aud) ? aud : undefined;
  if (audiences === undefined) return "token has no aud claim";
  if (!audiences.includes(options.audience)) return `audience ${JSON.stringify(aud)} does not include ${JSON.stringify(options.audience)}`;
  if (typeof claims.exp !== "number") return "token has no exp claim";
  if (claims.exp + leeway <= now) return `token expired ${Math.round(now - claims.exp)}s ago`;
  if (claims.nbf !== undefined && (typeof claims.nbf !== "number" || claims.nbf - leeway > now)) return "token is not valid yet (nbf)";
  if (claims.iat !== undefined && (typeof claims.iat !== "number" || claims.iat - leeway > now)) return "token is issued in the future (iat)";
  return undefined;
}
