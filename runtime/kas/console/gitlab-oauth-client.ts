/**
 * The console's calls to GitLab for sign-in: exchange the authorization
 * code (POST /oauth/token, with the PKCE verifier) and ask who the token
 * belongs to (GET /api/v4/user). Bounded in time and size; the tokens and
 * the client secret are never logged.
 */

export interface GitLabOAuthSettings {
  /** GitLab's URL as kas and the browser reach it. */
  readonly url: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUrl: string;
  /** Usernames allowed in; empty: administrators only. */
  readonly users: readonly string[];
}

export interface GitLabUser {
  readonly username: string;
  readonly isAdmin: boolean;
}

const TIMEOUT_MS = 10_000;
const MAX_ANSWER_BYTES = 64 * 1024;

/** The body, read up to MAX_ANSWER_BYTES: a larger one is cut off, never held whole (a broken or hostile GitLab could send gigabytes). */
async function readCapped(res: Response, what: string): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body ?? []) {
    size += (chunk as Uint8Array).byteLength;
    // Leaving the loop cancels the body: the rest is never read.
    if (size > MAX_ANSWER_BYTES) throw new Error(`${what}: answer over ${MAX_ANSWER_BYTES} bytes`);
    chunks.push(chunk as Uint8Array);
  }
  return Buffer.concat(chunks).toString("utf8");
}

async function readJson(res: Response, what: string): Promise<Record<string, unknown>> {
  // Redirects are not followed: the token request carries the client secret and the code.
  if (res.status >= 300 && res.status < 400) {
    await res.body?.cancel();
    throw new Error(`${what}: GitLab answered HTTP ${res.status}, a redirect to ${JSON.stringify(res.headers.get("location") ?? "")} (not followed)`);
  }
  const text = await readCapped(res, what);
  if (!res.ok) throw new Error(`${what}: GitLab answered HTTP ${res.status}`);
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v === "object" && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // below
  }
  throw new Error(`${what}: GitLab's answer is not a JSON object`);
}

/** The access token for `code`. */
export async function exchangeCode(s: GitLabOAuthSettings, code: string, verifier: string): Promise<string> {
  const body = new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: s.redirectUrl, client_id: s.clientId, client_secret: s.clientSecret, code_verifier: verifier });
  const res = await fetch(`${s.url}/oauth/token`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" }, body, redirect: "manual", signal: AbortSignal.timeout(TIMEOUT_MS) });
  const token = (await readJson(res, "POST /oauth/token")).access_token;
  if (typeof token !== "string" || token === "") throw new Error("POST /oauth/token: no access_token in GitLab's answer");
  return token;
}

export async function currentUser(s: GitLabOAuthSettings, accessToken: string): Promise<GitLabUser> {
  const res = await fetch(`${s.url}/api/v4/user`, { headers: { authorization: `Bearer ${accessToken}`, accept: "application/json" }, redirect: "manual", signal: AbortSignal.timeout(TIMEOUT_MS) });
  const u = await readJson(res, "GET /api/v4/user");
  if (typeof u.username !== "string" || u.username === "") throw new Error("GET /api/v4/user: no username in GitLab's answer");
  return { username: u.username, isAdmin: u.is_admin === true };
}

/** Whether the console lets `user` in: named in `users`, or with no list, a GitLab administrator. */
export function mayUseConsole(s: Pick<GitLabOAuthSettings, "users">, user: GitLabUser): boolean {
  return s.users.length > 0 ? s.users.includes(user.username) : user.isAdmin;
}
