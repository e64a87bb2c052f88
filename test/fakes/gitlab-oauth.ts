/**
 * GitLab as an OAuth provider for the console's sign-in (authorization-code
 * flow with PKCE): GET /oauth/authorize signs in `signedInAs` at once (no
 * consent page) and redirects back with a code; POST /oauth/token checks the
 * client, the redirect URI and the PKCE verifier; GET /api/v4/user answers
 * for its access token. Exactly what GitLab checks, nothing of its UI.
 */
import { createHash, randomBytes } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeOAuthUser {
  readonly username: string;
  readonly isAdmin?: boolean;
  /** The access token /oauth/token gives for this user; default a random one (set it to the token another fake knows, e.g. the internal API's authorize_proxy_user table). */
  readonly accessToken?: string;
}

export interface FakeGitLabOAuth {
  readonly url: string;
  /** Who GitLab signs in at /oauth/authorize; undefined: the user denies (error=access_denied). */
  signedInAs: FakeOAuthUser | undefined;
  /** Requests by path, for the test to check the flow. */
  readonly calls: string[];
  close(): Promise<void>;
}

export async function startFakeGitLabOAuth(client: { id: string; secret: string; redirectUrl: string }): Promise<FakeGitLabOAuth> {
  const codes = new Map<string, { user: FakeOAuthUser; challenge: string }>();
  const tokens = new Map<string, FakeOAuthUser>();
  const json = (res: http.ServerResponse, status: number, body: unknown): void => void res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  const fake: FakeGitLabOAuth = { url: "", signedInAs: undefined, calls: [], close: () => new Promise((resolve) => server.close(() => resolve())) };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://gitlab");
      fake.calls.push(`${req.method} ${url.pathname}`);
      if (req.method === "GET" && url.pathname === "/oauth/authorize") {
        const q = url.searchParams;
        if (q.get("client_id") !== client.id || q.get("redirect_uri") !== client.redirectUrl || q.get("response_type") !== "code" || q.get("code_challenge_method") !== "S256") {
          return json(res, 400, { error: "invalid_request" });
        }
        const back = new URL(client.redirectUrl);
        back.searchParams.set("state", q.get("state") ?? "");
        if (!fake.signedInAs) back.searchParams.set("error", "access_denied");
        else {
          const code = randomBytes(16).toString("hex");
          codes.set(code, { user: fake.signedInAs, challenge: q.get("code_challenge") ?? "" });
          back.searchParams.set("code", code);
        }
        return void res.writeHead(302, { location: back.toString() }).end();
      }
      if (req.method === "POST" && url.pathname === "/oauth/token") {
        const f = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
        const grant = codes.get(f.get("code") ?? "");
        codes.delete(f.get("code") ?? "");
        const verified = grant && createHash("sha256").update(f.get("code_verifier") ?? "").digest("base64url") === grant.challenge;
        if (f.get("client_id") !== client.id || f.get("client_secret") !== client.secret || f.get("redirect_uri") !== client.redirectUrl || !grant || !verified) {
          return json(res, 400, { error: "invalid_grant" });
        }
        const token = grant.user.accessToken ?? randomBytes(16).toString("hex");
        tokens.set(token, grant.user);
        return json(res, 200, { access_token: token, token_type: "Bearer", scope: "read_user" });
      }
      if (req.method === "GET" && url.pathname === "/api/v4/user") {
        const user = tokens.get((req.headers.authorization ?? "").replace(/^Bearer /, ""));
        return user ? json(res, 200, { id: 1, username: user.username, is_admin: user.isAdmin === true }) : json(res, 401, { message: "401 Unauthorized" });
      }
      json(res, 404, { message: "404 Not Found" });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  (fake as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
