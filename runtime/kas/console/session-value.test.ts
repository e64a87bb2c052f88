/** A stored session: the token sealed and bound to its session; anything else read back is no session. */
import { sessionHash, sessionSealKey } from "./session-crypto";
import { decodeSession, encodeSession } from "./session-value";

const key = sessionSealKey("shared");
const alice = { kind: "gitlab-user" as const, username: "alice", accessToken: "glpat-secret-token" };

test("a GitLab user's session: the token is not in the stored value; it opens with the same secret and session only", () => {
  const h = sessionHash("id-1");
  const raw = encodeSession(key, alice, h, 123);
  expect(raw).not.toContain("glpat-secret-token");
  expect(decodeSession(key, raw, h)).toEqual({ viewer: alice, exp: 123 });
  expect(decodeSession(sessionSealKey("other"), raw, h)).toBeUndefined();
  expect(decodeSession(key, raw, sessionHash("id-2"))).toBeUndefined();
  expect(decodeSession(undefined, raw, h)).toBeUndefined();
});

test.each(["not json", "{}", '{"kind":"gitlab-user","exp":1,"username":"a","token":"AAAA"}', '{"kind":"root","exp":1}'])("%s is no session", (raw) => {
  expect(decodeSession(key, raw, sessionHash("x"))).toBeUndefined();
});

test("an API-token session needs no secret; a GitLab one without a secret is refused, naming what to set", () => {
  expect(decodeSession(undefined, encodeSession(undefined, { kind: "api-token" }, "h", 5), "h")).toEqual({ viewer: { kind: "api-token" }, exp: 5 });
  expect(() => encodeSession(undefined, alice, "h", 5)).toThrow("console.session_secret_file");
});
