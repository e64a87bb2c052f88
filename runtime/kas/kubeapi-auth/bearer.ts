/**
 * The Authorization header of a request to kas's Kubernetes API proxy. As in
 * GitLab's kas, the credential names the agent it targets:
 * `Bearer ci:<agent id>:<token>` for a CI job (the CI job token, or an OIDC
 * ID token), `Bearer pat:<agent id>:<token>` for a user's personal access
 * token (user_access). kubectl sends it unchanged from the kubeconfig user's
 * `token`, so one kubeconfig context per agent is all a job needs.
 */
export const CI_TOKEN_TYPE = "ci";
export const PAT_TOKEN_TYPE = "pat";
const TOKEN_TYPES = [CI_TOKEN_TYPE, PAT_TOKEN_TYPE] as const;
type TokenType = (typeof TOKEN_TYPES)[number];
/** GitLab's agent ids are numbers; the file registry's are names. Never a ':'. */
const AGENT_ID = /^[A-Za-z0-9._-]{1,64}$/;

export type BearerCredential =
  | { readonly ok: true; readonly type: TokenType; readonly agentId: string; readonly token: string }
  | { readonly ok: false; readonly reason: string };

/** The kubeconfig user token (and bearer value) for a credential aimed at one agent: a CI one, or with `pat` a personal access token. */
export function ciBearerToken(agentId: string, token: string, type: TokenType = CI_TOKEN_TYPE): string {
  if (!AGENT_ID.test(agentId)) throw new Error(`agent id ${JSON.stringify(agentId)}: expected letters, digits, '.', '_' or '-'`);
  return `${type}:${agentId}:${token}`;
}

/** Parses `Bearer ci:<agent id>:<token>` or `Bearer pat:<agent id>:<token>`; reasons never quote the token. */
export function parseBearer(header: string | undefined): BearerCredential {
  if (header === undefined || header === "") return { ok: false, reason: "no Authorization header" };
  const match = /^Bearer +(.*)$/i.exec(header);
  if (match === null) return { ok: false, reason: "Authorization: expected Bearer ci:<agent id>:<token>" };
  const value = match[1]!;
  const first = value.indexOf(":");
  const second = first < 0 ? -1 : value.indexOf(":", first + 1);
  if (second < 0) return { ok: false, reason: "Authorization: expected Bearer ci:<agent id>:<token>" };
  const type = value.slice(0, first);
  const agentId = value.slice(first + 1, second);
  const token = value.slice(second + 1);
  if (!(TOKEN_TYPES as readonly string[]).includes(type)) return { ok: false, reason: `Authorization: unknown token type (expected ${TOKEN_TYPES.join(" or ")})` };
  if (!AGENT_ID.test(agentId)) return { ok: false, reason: "Authorization: the agent id is not letters, digits, '.', '_' or '-'" };
  if (token === "") return { ok: false, reason: "Authorization: empty token" };
  return { ok: true, type: type as TokenType, agentId, token };
}
