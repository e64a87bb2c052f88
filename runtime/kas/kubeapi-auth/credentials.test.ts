/** The credential cache (hash keys, LRU bound, TTL within the token's expiry), the bearer shape, and a denial's log line. */
import { generateKeyPairSync, sign } from "node:crypto";
import { inspect } from "node:util";
import { createLogger } from "../../common";
import { CredentialCache, ciBearerToken, credentialFingerprint, logDenial, parseBearer, verifyIdToken, type Jwk } from "./index";

describe("CredentialCache", () => {
  let clock = 1_000_000;
  const now = (): number => clock;

  test("keyed by the token's hash: the cache holds no token", () => {
    const cache = new CredentialCache<string>({ now });
    const token = "glcbt-64_secret-job-token-value";
    cache.set(token, "job 1");
    expect(cache.get(token)).toBe("job 1");
    expect(cache.get(`${token}x`)).toBeUndefined();
    expect(inspect(cache, { depth: 10 })).not.toContain("secret-job-token");
    expect(credentialFingerprint(token)).toMatch(/^sha256:[0-9a-f]{12}$/);
  });

  test("an entry lives ttlMs, and never past the credential's own expiry", () => {
    const cache = new CredentialCache<string>({ ttlMs: 60_000, now });
    cache.set("a", "A");
    cache.set("b", "B", clock + 5_000);
    cache.set("c", "C", clock - 1); // already expired: not kept
    clock += 5_000;
    expect([cache.get("a"), cache.get("b"), cache.get("c")]).toEqual(["A", undefined, undefined]);
    clock += 55_000;
    expect(cache.get("a")).toBeUndefined();
  });

  test("bounded: the least recently used go first", () => {
    const cache = new CredentialCache<number>({ maxEntries: 8, now });
    for (let i = 0; i < 100; i++) cache.set(`t${i}`, i);
    expect(cache.size).toBeLessThanOrEqual(8);
    expect(cache.get("t99")).toBe(99);
    expect(cache.get("t0")).toBeUndefined();
  });

  test("remember: concurrent callers share one verification; a denial is not kept", async () => {
    const cache = new CredentialCache<{ ok: boolean }>({ now });
    let calls = 0;
    const verify = async (ok: boolean): Promise<{ ok: boolean }> => {
      calls++;
      await new Promise((r) => setTimeout(r, 10));
      return { ok };
    };
    const keep = (v: { ok: boolean }): { keep: boolean } => ({ keep: v.ok });
    const all = await Promise.all(Array.from({ length: 5 }, () => cache.remember("good", () => verify(true), keep)));
    expect(all.every((v) => v.ok)).toBe(true);
    expect(calls).toBe(1);
    await cache.remember("good", () => verify(true), keep);
    expect(calls).toBe(1);
    await cache.remember("bad", () => verify(false), keep);
    await cache.remember("bad", () => verify(false), keep);
    expect(calls).toBe(3);
  });
});

describe("the bearer credential", () => {
  test("ci:<agent id>:<token> round-trips", () => {
    expect(parseBearer(`Bearer ${ciBearerToken("123", "a.b.c")}`)).toEqual({ ok: true, type: "ci", agentId: "123", token: "a.b.c" });
    expect(parseBearer("Bearer ci:dude-agent:tok:with:colons")).toMatchObject({ ok: true, agentId: "dude-agent", token: "tok:with:colons" });
    expect(parseBearer("Bearer pat:12:glpat-abc")).toEqual({ ok: true, type: "pat", agentId: "12", token: "glpat-abc" });
  });
  test.each([
    [undefined, "no Authorization header"],
    ["Basic dXNlcjpzZWNyZXQ=", "expected Bearer ci:<agent id>:<token>"],
    ["Bearer just-a-token", "expected Bearer ci:<agent id>:<token>"],
    ["Bearer glpat:1:secret-token", "unknown token type (expected ci or pat)"],
    ["Bearer ci:1:", "empty token"],
    ["Bearer ci::secret-token", "agent id"],
  ])("%j refused: %s", (header, reason) => {
    const r = parseBearer(header);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toContain(reason);
    expect(!r.ok && r.reason).not.toContain("secret");
  });
});

test("a denial's log line names the reason and a fingerprint, never the token", async () => {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const jwk: Jwk = { ...publicKey.export({ format: "jwk" }), kid: "k1" };
  const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString("base64url");
  const signed = `${b64({ alg: "ES256", kid: "k1" })}.${b64({ iss: "https://ci.example", aud: "kas", exp: 1000, project_path: "dude/app" })}`;
  const token = `${signed}.${sign("sha256", Buffer.from(signed), { key: privateKey, dsaEncoding: "ieee-p1363" }).toString("base64url")}`;
  const jwks = { key: (kid: string): Promise<Jwk | undefined> => Promise.resolve(kid === "k1" ? jwk : undefined) };
  const result = await verifyIdToken(token, { issuer: "https://ci.example", audience: "kas", jwks, now: () => 5000 });
  expect(result.ok).toBe(false);

  const lines: string[] = [];
  const log = createLogger({ level: "debug", write: (l) => void lines.push(l) });
  const header = `Bearer ${ciBearerToken("123", token)}`;
  const bearer = parseBearer(header);
  expect(bearer.ok).toBe(true);
  logDenial(log, { agentId: "123", token, reason: result.ok ? "" : result.reason });
  expect(lines).toHaveLength(1);
  const line = JSON.parse(lines[0]!) as Record<string, unknown>;
  expect(line).toMatchObject({ reason: "token expired 4000s ago", agent_id: "123", key: credentialFingerprint(token) });
  for (const part of token.split(".")) expect(lines[0]).not.toContain(part);
});
