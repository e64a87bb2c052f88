/** Console sessions: bounded in number (the oldest ends first) and in time; ending one tells its listeners. */
import { sessionCookie, sessionIdOf, Sessions, SESSION_COOKIE } from "./sessions";

test("GIVEN maxSessions sessions THEN signing in once more ends the oldest; a session expires ttlMs after sign-in; each end is told", async () => {
  let now = 0;
  const ended: string[] = [];
  const s = new Sessions({ maxSessions: 2, ttlMs: 1000 }, () => now);
  s.onEnd((id) => ended.push(id));
  const a = (await s.create({ kind: "api-token" })).id;
  const b = (await s.create({ kind: "gitlab-user", username: "alice", accessToken: "t" })).id;
  const c = (await s.create({ kind: "api-token" })).id;
  expect([s.get(a), s.get(b), s.get(c)]).toEqual([undefined, { kind: "gitlab-user", username: "alice", accessToken: "t" }, { kind: "api-token" }]);
  expect(ended).toEqual([a]);
  expect(await s.lookup(b)).toEqual({ viewer: { kind: "gitlab-user", username: "alice", accessToken: "t" }, remainingMs: 1000 });
  now = 1000;
  expect(s.get(b)).toBeUndefined();
  expect(ended).toEqual([a, b]);
  expect(s.size).toBe(1);
  expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
});

test("the cookie: found among others; set HttpOnly, SameSite=Strict, Secure only over https", () => {
  expect(sessionIdOf(`a=1; ${SESSION_COOKIE}=abc; b=2`)).toBe("abc");
  expect(sessionIdOf("a=1")).toBeUndefined();
  expect(sessionCookie("abc", 60, false)).toBe(`${SESSION_COOKIE}=abc; Path=/; HttpOnly; SameSite=Strict; Max-Age=60`);
  expect(sessionCookie("abc", 60, true)).toMatch(/; Secure$/);
});
