import type { AgentIdentity } from "./access";
import { unauthenticated } from "./errors";
import type { TokenAuthenticator } from "./ports";

const MAX_TOKEN_LENGTH = 4096;

/** The bearer token from an `authorization` header value, or an RpcError saying what is wrong. */
export function bearerToken(value: string | undefined): string {
  if (value === undefined || value === "") {
    throw unauthenticated("missing agent token: send metadata `authorization: Bearer <agent token>`", "missing_token");
  }
  const m = /^Bearer (\S+)$/.exec(value);
  if (!m || (m[1] as string).length > MAX_TOKEN_LENGTH) {
    throw unauthenticated("malformed authorization metadata: expected `Bearer <agent token>`", "malformed");
  }
  return m[1] as string;
}

export async function authenticateToken(registry: TokenAuthenticator, token: string): Promise<AgentIdentity> {
  const agent = await registry.authenticate(token);
  if (!agent) throw unauthenticated("unknown or revoked agent token: check the token agentk uses against the agent registry", "unknown_token");
  return agent;
}
