/** A loopback OIDC issuer (discovery + JWKS) with a generated key, minting CI ID tokens as GitLab does. */
import { generateKeyPairSync, sign } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface TestIssuer {
  readonly url: string;
  /** A CI job's ID token: GitLab's claims for `projectPath`, overridable. */
  idToken(projectPath: string, over?: Record<string, unknown>): string;
  close(): Promise<void>;
}

export async function startIssuer(audience: string): Promise<TestIssuer> {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const jwk = { ...publicKey.export({ format: "jwk" }), kid: "ci-1", alg: "ES256", use: "sig" };
  let url = "";
  const server = http.createServer((req, res) => {
    res.setHeader("content-type", "application/json");
    if (req.url === "/.well-known/openid-configuration") res.end(JSON.stringify({ issuer: url, jwks_uri: `${url}/oauth/discovery/keys` }));
    else if (req.url === "/oauth/discovery/keys") res.end(JSON.stringify({ keys: [jwk] }));
    else res.writeHead(404).end("{}");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString("base64url");
  return {
    url,
    idToken: (projectPath, over = {}) => {
      const now = Math.floor(Date.now() / 1000);
      const namespacePath = projectPath.split("/").slice(0, -1).join("/");
      const claims = {
        iss: url, aud: audience, iat: now, exp: now + 300,
        project_id: "42", project_path: projectPath, namespace_id: "6", namespace_path: namespacePath, job_id: "4711", pipeline_id: "99", ref: "main", ref_type: "branch", ref_protected: "true",
        ...over,
      };
      const signed = `${b64({ alg: "ES256", kid: "ci-1", typ: "JWT" })}.${b64(claims)}`;
      return `${signed}.${sign("sha256", Buffer.from(signed), { key: privateKey, dsaEncoding: "ieee-p1363" }).toString("base64url")}`;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
