/** verifyIdToken with a JwksCache against a real loopback issuer (discovery + JWKS), keys generated here. */
import { generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { JwksCache, verifyIdToken, type Claims, type Jwk } from "./index";

const AUDIENCE = "https://kas.example";
const NOW = 1_800_000_000;

interface Key {
  readonly kid: string;
  readonly alg: "RS256" | "ES256";
  readonly priv: KeyObject;
  readonly jwk: Jwk;
}
function makeKey(kid: string, alg: "RS256" | "ES256"): Key {
  const { privateKey, publicKey } =
    alg === "RS256" ? generateKeyPairSync("rsa", { modulusLength: 2048 }) : generateKeyPairSync("ec", { namedCurve: "P-256" });
  return { kid, alg, priv: privateKey, jwk: { ...publicKey.export({ format: "jwk" }), kid, use: "sig", alg } };
}
const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString("base64url");
function token(key: Key, claims: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  const signed = `${b64({ alg: key.alg, kid: key.kid, typ: "JWT", ...header })}.${b64(claims)}`;
  const sig = key.alg === "RS256" ? sign("sha256", Buffer.from(signed), key.priv) : sign("sha256", Buffer.from(signed), { key: key.priv, dsaEncoding: "ieee-p1363" });
  return `${signed}.${sig.toString("base64url")}`;
}

const rsa = makeKey("rsa-1", "RS256");
const ec = makeKey("ec-1", "ES256");
const rotated = makeKey("rsa-2", "RS256");
let published: Jwk[] = [rsa.jwk, ec.jwk];
let requests: string[] = [];
let discoveryIssuer: string | undefined;
let keysDown = false;
let issuer = "";
let clock = NOW * 1000;
const server = http.createServer((req, res) => {
  requests.push(req.url ?? "");
  if (req.url === "/.well-known/openid-configuration") {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ issuer: discoveryIssuer ?? issuer, jwks_uri: `${issuer}/oauth/discovery/keys` }));
  } else if (req.url === "/oauth/discovery/keys" && !keysDown) {
    res.end(JSON.stringify({ keys: published }));
  } else if (req.url === "/slow/.well-known/openid-configuration") {
    // never answers
  } else if (req.url === "/huge/.well-known/openid-configuration") {
    res.end(JSON.stringify({ issuer: `${issuer}/huge`, pad: "x".repeat(300 * 1024) }));
  } else {
    res.statusCode = 404;
    res.end();
  }
});
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

let jwks: JwksCache;
beforeEach(() => {
  published = [rsa.jwk, ec.jwk];
  requests = [];
  discoveryIssuer = undefined;
  keysDown = false;
  clock = NOW * 1000;
  jwks = new JwksCache({ issuer, now: () => clock });
});
const claims = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  iss: issuer, aud: AUDIENCE, sub: "project_path:dude/app:ref_type:branch:ref:main", iat: NOW - 10, nbf: NOW - 10, exp: NOW + 300, project_path: "dude/app", ...over,
});
const check = (t: string): ReturnType<typeof verifyIdToken> => verifyIdToken(t, { issuer, audience: AUDIENCE, jwks, now: () => clock / 1000 });
async function reasonOf(t: string): Promise<string> {
  const r = await check(t);
  if (r.ok) throw new Error("expected a denial");
  const signature = t.split(".")[2] ?? "";
  if (signature.length > 8) expect(r.reason).not.toContain(signature);
  return r.reason;
}

describe("verifyIdToken over a discovered JWKS", () => {
  test.each([rsa, ec])("a valid $alg token verifies, with its claims", async (key) => {
    const r = await check(token(key, claims()));
    expect(r.ok && (r.claims as Claims).project_path).toBe("dude/app");
    expect(requests).toEqual(["/.well-known/openid-configuration", "/oauth/discovery/keys"]);
  });

  test("aud may be a list naming kas", async () => {
    expect((await check(token(rsa, claims({ aud: ["other", AUDIENCE] })))).ok).toBe(true);
  });

  test.each<[string, () => string, RegExp]>([
    ["expired", () => token(rsa, claims({ exp: NOW - 120 })), /token expired 120s ago/],
    ["not valid yet", () => token(rsa, claims({ nbf: NOW + 600 })), /not valid yet/],
    ["issued in the future", () => token(rsa, claims({ iat: NOW + 600 })), /issued in the future/],
    ["foreign audience", () => token(rsa, claims({ aud: "https://other.example" })), /audience "https:\/\/other.example" does not include "https:\/\/kas.example"/],
    ["wrong issuer", () => token(rsa, claims({ iss: "https://gitlab.evil" })), /issuer "https:\/\/gitlab.evil" is not the configured issuer/],
    ["no exp", () => token(rsa, claims({ exp: undefined })), /no exp claim/],
    ["no aud", () => token(rsa, claims({ aud: undefined })), /no aud claim/],
    ["tampered payload", () => {
      const [h, , s] = token(rsa, claims()).split(".");
      return `${h}.${b64(claims({ project_path: "dude/admin" }))}.${s}`;
    }, /signature does not verify/],
    ["signed by another key with a published kid", () => token({ ...makeKey("rsa-1", "RS256") }, claims()), /signature does not verify/],
    ["alg none", () => `${b64({ alg: "none", kid: "rsa-1" })}.${b64(claims())}.`, /alg "none" is not accepted/],
    ["HS256", () => `${b64({ alg: "HS256", kid: "rsa-1" })}.${b64(claims())}.c2ln`, /alg "HS256" is not accepted/],
    ["an RSA key claimed as ES256", () => `${b64({ alg: "ES256", kid: "rsa-1" })}.${b64(claims())}.c2ln`, /key "rsa-1" is for RS256, the token says ES256/],
    ["no kid", () => token(rsa, claims(), { kid: undefined }), /no kid/],
    ["a crit extension", () => token(rsa, claims(), { crit: ["b64"], b64: false }), /crit extensions/],
    ["not a JWT", () => "abc.def", /not a JWT/],
    ["garbage header", () => `%%%.${b64(claims())}.x`, /header is not base64url JSON/],
  ])("%s: refused", async (_name, make, reason) => {
    expect(await reasonOf(make())).toMatch(reason);
  });

  test("an RSA key under 2048 bits is refused", async () => {
    const weak = generateKeyPairSync("rsa", { modulusLength: 1024 });
    const key: Key = { kid: "weak", alg: "RS256", priv: weak.privateKey, jwk: { ...weak.publicKey.export({ format: "jwk" }), kid: "weak" } };
    published = [key.jwk];
    expect(await reasonOf(token(key, claims()))).toMatch(/key "weak" has 1024 bits; expected at least 2048/);
  });

  test("within the leeway, a just-expired token still verifies", async () => {
    expect((await check(token(rsa, claims({ exp: NOW - 30 })))).ok).toBe(true);
  });

  test("alg none and HS* are refused without fetching keys", async () => {
    await reasonOf(`${b64({ alg: "none", kid: "x" })}.${b64(claims())}.`);
    expect(requests).toEqual([]);
  });

  test("unknown kid, then key rotation: refetched at most once per minRefresh", async () => {
    expect((await check(token(rsa, claims()))).ok).toBe(true);
    published = [rotated.jwk];
    const forged = Array.from({ length: 20 }, (_, i) => token(makeKey(`forged-${i}`, "ES256"), claims()));
    for (const t of forged) expect(await reasonOf(t)).toMatch(/publishes no key with kid "forged-/);
    expect(await reasonOf(token(rotated, claims()))).toMatch(/no key with kid "rsa-2"/); // within 30 s of the last fetch
    expect(jwks.fetches).toBe(1);
    clock += 31_000;
    expect((await check(token(rotated, claims()))).ok).toBe(true);
    expect(jwks.fetches).toBe(2);
    expect(await reasonOf(token(rsa, claims()))).toMatch(/no key with kid "rsa-1"/); // rotated out
    expect(requests.filter((r) => r.includes("openid-configuration"))).toHaveLength(1);
  });

  test("concurrent lookups of a new kid share one fetch", async () => {
    const results = await Promise.all(Array.from({ length: 10 }, () => check(token(ec, claims()))));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(jwks.fetches).toBe(1);
  });

  test("keys older than maxAge are refetched; an issuer that went away leaves the known keys in use", async () => {
    expect((await check(token(rsa, claims()))).ok).toBe(true);
    clock += 3_600_001;
    published = [rsa.jwk];
    const later = (): Record<string, unknown> => claims({ exp: clock / 1000 + 60 });
    expect(await check(token(rsa, later()))).toMatchObject({ ok: true });
    expect(jwks.fetches).toBe(2);
    clock += 3_600_001;
    keysDown = true;
    expect(await check(token(rsa, later()))).toMatchObject({ ok: true });
    expect(await reasonOf(token(ec, later()))).toMatch(/no key with kid "ec-1"/); // the failed fetch was just now
    clock += 31_000;
    expect(await reasonOf(token(ec, later()))).toMatch(/cannot read the issuer's keys: .*HTTP 404/);
  });

  test("discovery naming another issuer is refused", async () => {
    discoveryIssuer = "https://gitlab.example";
    expect(await reasonOf(token(rsa, claims()))).toMatch(/cannot read the issuer's keys: .*issuer "https:\/\/gitlab.example" is not/);
  });

  test("an issuer that never answers: refused after the fetch timeout", async () => {
    const slow = `${issuer}/slow`;
    const cache = new JwksCache({ issuer: slow, fetchTimeoutMs: 200 });
    const started = Date.now();
    const r = await verifyIdToken(token(rsa, claims({ iss: slow })), { issuer: slow, audience: AUDIENCE, jwks: cache, now: () => NOW });
    expect(r).toEqual({ ok: false, reason: expect.stringMatching(/cannot read the issuer's keys: .*no answer within 200 ms/) as unknown });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  test("a discovery document over maxBytes is refused", async () => {
    const huge = `${issuer}/huge`;
    const cache = new JwksCache({ issuer: huge });
    const r = await verifyIdToken(token(rsa, claims({ iss: huge })), { issuer: huge, audience: AUDIENCE, jwks: cache, now: () => NOW });
    expect(r.ok || r.reason).toMatch(/larger than 262144 bytes/);
  });

  test("only http(s) issuers and key URLs", () => {
    expect(() => new JwksCache({ issuer: "file:///etc/keys" })).toThrow(/expected an http or https URL/);
    expect(() => new JwksCache({ issuer: "https://gitlab.example", jwksUri: "http://gitlab.example/keys" })).toThrow(/expected https, as the issuer is/);
  });
});
