/** The proxy's whole CI check: header -> agent -> cached or verified ID token -> ci_access -> identity or 401/403. */
import { generateKeyPairSync, sign } from "node:crypto";
import { parseAgentConfig } from "../agentcfg";
import { authorizeRequest, ciBearerToken, CredentialCache, type CiRequestAuthOptions, type Jwk, type TargetAgent } from "./index";

const NOW = 1_800_000_000;
const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
const JWK: Jwk = { ...publicKey.export({ format: "jwk" }), kid: "k1", alg: "ES256", use: "sig" };
const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString("base64url");
function idToken(over: Record<string, unknown> = {}): string {
  const claims = {
    iss: "https://gitlab.example", aud: "https://kas.example", exp: NOW + 300, iat: NOW,
    project_id: "3", project_path: "dude/app", namespace_id: "6", namespace_path: "dude", job_id: "41", ref: "main", ref_protected: "true", ...over,
  };
  const signed = `${b64({ alg: "ES256", kid: "k1" })}.${b64(claims)}`;
  return `${signed}.${sign("sha256", Buffer.from(signed), { key: privateKey, dsaEncoding: "ieee-p1363" }).toString("base64url")}`;
}

function target(yaml: string): TargetAgent {
  const res = parseAgentConfig(yaml, { file: "config.yaml", configProjectId: "dude/agent-config" });
  if (!res.ok) throw new Error(res.error);
  return { agent: { id: "7", name: "dude", configProjectPath: "dude/agent-config" }, ciAccess: res.access.ci_access };
}
const AGENTS: Record<string, TargetAgent> = {
  "7": target("ci_access:\n  projects:\n  - id: dude/app\n    access_as: {ci_job: {}}\n"),
};

let lookups = 0;
let clock = NOW * 1000;
const options = (): CiRequestAuthOptions => ({
  verify: {
    issuer: "https://gitlab.example",
    audience: "https://kas.example",
    jwks: { key: (kid) => (lookups++, Promise.resolve(kid === "k1" ? JWK : undefined)) },
  },
  cache: new CredentialCache({ now: () => clock }),
  agent: (id) => AGENTS[id],
  now: () => clock,
});
beforeEach(() => {
  lookups = 0;
  clock = NOW * 1000;
});
const header = (agentId: string, token: string): string => `Bearer ${ciBearerToken(agentId, token)}`;

test("an allowed job runs as its ci_job identity; the second request is served from the cache", async () => {
  const o = options();
  const token = idToken();
  const first = await authorizeRequest(header("7", token), o);
  expect(first).toMatchObject({ allowed: true, agentId: "7", by: "ci_access.projects[0]", accessAs: { kind: "impersonate", user: "gitlab:ci_job:41" } });
  expect(await authorizeRequest(header("7", token), o)).toEqual(first);
  expect(lookups).toBe(1);
});

test("a cached job is not served past the token's exp", async () => {
  const o = options();
  const token = idToken({ exp: NOW + 5 });
  expect((await authorizeRequest(header("7", token), o)).allowed).toBe(true);
  clock += 120_000;
  expect(await authorizeRequest(header("7", token), o)).toMatchObject({ allowed: false, status: 401, reason: "token expired 115s ago" });
  expect(lookups).toBe(2);
});

test.each<[string, () => string | undefined, number, string]>([
  ["no header", () => undefined, 401, "no Authorization header"],
  ["a plain bearer token", () => `Bearer ${idToken()}`, 401, "expected Bearer ci:<agent id>:<token>"],
  ["an agent kas does not know", () => header("8", idToken()), 403, "no agent with id 8"],
  ["a foreign audience", () => header("7", idToken({ aud: "https://other.example" })), 401, `audience "https://other.example" does not include`],
  ["a project not in ci_access", () => header("7", idToken({ project_path: "dude/other" })), 403, "project dude/other is not authorised by the ci_access of agent dude/agent-config:dude"],
  ["a token without CI claims", () => header("7", idToken({ job_id: undefined })), 401, "the token lacks CI claims: job_id"],
])("refused: %s", async (_name, make, status, reason) => {
  const d = await authorizeRequest(make(), options());
  expect(d).toMatchObject({ allowed: false, status });
  expect(!d.allowed && d.reason).toContain(reason);
});

test("an unknown agent costs no verification", async () => {
  await authorizeRequest(header("99", idToken()), options());
  expect(lookups).toBe(0);
});
