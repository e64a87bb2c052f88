/**
 * How replicas prove to each other that they are replicas: every private API
 * call carries `authorization: Bearer <JWT>`, HS256 with the secret they
 * share (private_api.listen.authentication_secret_file), iss and aud
 * `gitlab-kas` (GitLab kas's own kas-to-kas token), valid 30 s, and a random
 * `jti` used once: a token seen on the wire (a plain-text listener) cannot be
 * replayed within its 30 s. The secret itself never crosses the wire nor
 * reaches a log; the signature is compared in constant time (verifyKasJwt).
 */
import { randomBytes } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import { AUTHORIZATION_HEADER } from "../../rpc";
import { JWT_ISSUER, signKasJwt, verifyKasJwt } from "../registry";
import { SeenTokens } from "./seen-tokens";

/** Longer is not a token kas made: refused before any parsing. */
const MAX_TOKEN_CHARS = 1024;

export function privateApiMetadata(secret: Buffer, nowMs: number = Date.now()): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set(AUTHORIZATION_HEADER, `Bearer ${signKasJwt(secret, nowMs, JWT_ISSUER, { jti: randomBytes(16).toString("base64url") })}`);
  return md;
}

/**
 * Why the call is not from a replica (words for the log and the peer, never
 * the token), or undefined when it is. With `seen`, a token's jti is
 * remembered until it expires and a second use is refused.
 */
export function privateApiRefusal(metadata: grpc.Metadata, secret: Buffer, nowMs: number = Date.now(), seen?: SeenTokens): string | undefined {
  const values = metadata.get(AUTHORIZATION_HEADER);
  if (values.length !== 1) return values.length === 0 ? "no authorization metadata" : "more than one authorization value";
  const value = values[0];
  if (typeof value !== "string" || !value.startsWith("Bearer ")) return "authorization is not a Bearer token";
  const token = value.slice("Bearer ".length);
  if (token.length > MAX_TOKEN_CHARS) return `the token is longer than ${MAX_TOKEN_CHARS} characters`;
  const why = verifyKasJwt(token, secret, nowMs, JWT_ISSUER);
  if (why !== undefined) return `the token is not a replica's: ${why}`;
  // Signed with the secret: its claims are a replica's.
  const claims = JSON.parse(Buffer.from(token.split(".")[1] as string, "base64url").toString("utf8")) as { jti?: unknown; exp: number };
  if (typeof claims.jti !== "string" || claims.jti.length < 16 || claims.jti.length > 64) return "the token is not a replica's: no jti";
  return seen?.use(claims.jti, claims.exp * 1000, nowMs);
}

export { SeenTokens };
