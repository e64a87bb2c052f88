/**
 * The console's GitLab sign-in attacked (issue 21), kas as its own process
 * in GitLab mode: forged, missing, stolen and replayed states, an injected
 * code, a flood of started sign-ins, `next` pointing elsewhere, and a GitLab
 * whose token and user endpoints answer garbage, 200 MiB, nothing, a byte a
 * second, or a redirect to someone else. Each ends in a clear page within
 * GitLab's timeout; no session; kas stays up with flat memory; a1 still syncs.
 */
import { randomBytes } from "node:crypto";
import { startFakeGitLabInternalApi, type FakeGitLabInternalApi } from "../fakes";
import { freePorts } from "../cluster/ports";
import { startHostileGitLabOAuth, type HostileGitLabOAuth, type TokenMode, type UserMode } from "./hostile-gitlab-oauth";
import { startKasProcess, type KasProcess } from "./kas-process";
import { rawRequest, type RawReply } from "./raw-http";

let kas: KasProcess;
let gitlab: FakeGitLabInternalApi;
let oauth: HostileGitLabOAuth;
/** listen.api, chosen here: the OAuth application's redirect URL names it. */
let base: string;

beforeAll(async () => {
  const secret = randomBytes(32);
  gitlab = await startFakeGitLabInternalApi(secret, {});
  oauth = await startHostileGitLabOAuth();
  const [api] = (await freePorts(1)) as [number];
  base = `http://127.0.0.1:${api}`;
  kas = await startKasProcess({
    kasYaml: {
      listen: { api: `127.0.0.1:${api}` },
      agents: { registry: "gitlab", gitlab: { url: gitlab.url, secret_file: "kas-secret" } },
      api: { token_file: "api-token" },
      console: { gitlab: { url: oauth.url, client_id: "console-app", client_secret_file: "client-secret", redirect_url: `${base}/oauth/callback`, users: ["alice"] } },
    },
    files: { "kas-secret": secret.toString("base64"), "api-token": "oauth-abuse-api-t0ken", "client-secret": "console-app-secret" },
  });
  gitlab.agents.set(kas.tokens.a1 as string, { agentId: 1, agentName: "a1", projectId: 1, projectPath: "g/config" });
}, 90_000);

afterAll(async () => {
  await kas?.stop();
  await oauth?.close();
  await gitlab?.close();
});

interface Started {
  readonly state: string;
  readonly cookie: string;
}

/** GET /oauth/start as a browser: the state GitLab would get and the cookie kas set. */
async function start(next = "/"): Promise<Started> {
  const r = await rawRequest(base, `/oauth/start?next=${encodeURIComponent(next)}`);
  expect(r.status).toBe(303);
  const state = new URL(String(r.headers.location)).searchParams.get("state") as string;
  // Bound to this browser, unreadable by scripts, sent on GitLab's redirect back (a cross-site top-level GET) and nowhere but /oauth.
  expect(r.headers["set-cookie"]?.[0]).toMatch(/^kas_console_oauth=[A-Za-z0-9_.-]{100,1000}; Path=\/oauth; HttpOnly; SameSite=Lax; Max-Age=600$/);
  return { state, cookie: String(r.headers["set-cookie"]?.[0]).split(";")[0] as string };
}

const callback = (query: string, cookie?: string): Promise<RawReply> => rawRequest(base, `/oauth/callback?${query}`, { headers: cookie ? { cookie } : {} });
const sessionSet = (r: RawReply): boolean => (r.headers["set-cookie"] ?? []).some((c) => c.startsWith("kas_console_session=") && !c.startsWith("kas_console_session=;"));

function expectFailurePage(r: RawReply, status: number, text: string | RegExp): void {
  expect(r.status).toBe(status);
  expect(r.headers["content-security-policy"]).toContain("script-src 'self'");
  expect(r.body).toMatch(text);
  expect(r.body).not.toMatch(/<script>alert/);
  expect(sessionSet(r)).toBe(false);
}

test("state: missing, forged, another browser's, and replayed after use are refused (400); an injected code reaches GitLab as one field; GitLab's error is escaped", async () => {
  oauth.tokenMode = "ok";
  oauth.userMode = "ok";
  const a = await start();
  const b = await start();
  expectFailurePage(await callback("code=x"), 400, /not started here/);
  expectFailurePage(await callback(`state=${a.state}&code=x`), 400, /not started here/);
  expectFailurePage(await callback(`state=forged&code=x`, "kas_console_oauth=forged"), 400, /not started here/);
  expectFailurePage(await callback(`state=${a.state}&code=x`, b.cookie), 400, /not started here/);
  // The cookie altered (another next, another verifier, a later expiry): its signature no longer holds.
  const [st, verifier, next, expires, mac] = a.cookie.slice("kas_console_oauth=".length).split(".") as [string, string, string, string, string];
  for (const forged of [[st, verifier, Buffer.from("//evil.example").toString("base64url"), expires, mac], [st, "A".repeat(43), next, expires, mac], [st, verifier, next, String(Number(expires) + 1), mac], [st, verifier, next, expires]]) {
    expectFailurePage(await callback(`state=${a.state}&code=x`, `kas_console_oauth=${forged.join(".")}`), 400, /not started here/);
  }
  // The real pair, with a code that tries to add form fields: GitLab gets it as the code, nothing else changes.
  const injected = "x&client_id=evil&redirect_uri=https://evil.example/oauth/callback&code_verifier=known";
  const ok = await callback(`state=${a.state}&code=${encodeURIComponent(injected)}`, a.cookie);
  expect(ok.status).toBe(200);
  expect(sessionSet(ok)).toBe(true);
  const form = oauth.tokenForms.at(-1)!;
  expect(form.get("code")).toBe(injected);
  expect(form.getAll("client_id")).toEqual(["console-app"]);
  expect(form.get("redirect_uri")).toBe(`${base}/oauth/callback`);
  expect(form.get("code_verifier")).toMatch(/^[A-Za-z0-9_-]{43}$/);
  // Replayed (the same state and cookie again): used once only.
  expectFailurePage(await callback(`state=${a.state}&code=x`, a.cookie), 400, /not started here/);
  const denied = await callback(`state=${b.state}&error=${encodeURIComponent("<script>alert(1)</script>")}`, b.cookie);
  expectFailurePage(denied, 401, /GitLab did not sign you in: &lt;script&gt;/);
  expectFailurePage(await callback(`state=${b.state}&code=x`, b.cookie), 400, /not started here/);
});

test("next: only a path of this kas survives to the signed-in page (href and refresh); another site becomes /", async () => {
  oauth.tokenMode = "ok";
  oauth.userMode = "ok";
  for (const [next, kept] of [["//evil.example/x", "/"], ["https://evil.example/", "/"], ["/\\evil.example", "/"], ["javascript:alert(1)", "/"], ["/agents/1?q=a", "/agents/1?q=a"]]) {
    const s = await start(next as string);
    const r = await callback(`state=${s.state}&code=c`, s.cookie);
    expect(r.status).toBe(200);
    expect(r.headers["content-security-policy"]).toContain("script-src 'self'");
    const href = /<a id="continue" href="([^"]*)"/.exec(r.body)?.[1];
    const refresh = /<meta http-equiv="refresh" content="0;url=([^"]*)"/.exec(r.body)?.[1];
    expect({ next, href, refresh }).toEqual({ next, href: (kept as string).replace(/&/g, "&amp;"), refresh: (kept as string).replace(/&/g, "&amp;") });
  }
});

test("5000 sign-ins started and never finished: memory flat; sign-ins started before and after them still finish", async () => {
  oauth.tokenMode = "ok";
  oauth.userMode = "ok";
  const early = await start();
  const before = kas.rssMiB();
  for (let round = 0; round < 50; round++) await Promise.all(Array.from({ length: 100 }, () => rawRequest(base, `/oauth/start?next=/${"n".repeat(500)}`)));
  const growth = kas.rssMiB() - before;
  process.stdout.write(`5000 pending GitLab sign-ins: kas RSS +${growth.toFixed(1)} MiB\n`);
  expect(growth).toBeLessThan(48);
  // kas keeps nothing per started sign-in: a flood pushes no real one out.
  const first = await callback(`state=${early.state}&code=c`, early.cookie);
  expect(first.status).toBe(200);
  expect(sessionSet(first)).toBe(true);
  const s = await start();
  const r = await callback(`state=${s.state}&code=c`, s.cookie);
  expect(r.status).toBe(200);
  expect(sessionSet(r)).toBe(true);
}, 60_000);

const BROKEN: readonly [string, TokenMode, UserMode, RegExp][] = [
  ["token: HTML", "html", "ok", /POST \/oauth\/token: GitLab's answer is not a JSON object/],
  ["token: HTTP 500", "status500", "ok", /POST \/oauth\/token: GitLab answered HTTP 500/],
  ["token: a JSON array", "array", "ok", /not a JSON object/],
  ["token: no access_token", "no-token", "ok", /no access_token/],
  ["token: 200 MiB", "huge", "ok", /POST \/oauth\/token: answer over 65536 bytes/],
  ["token: a redirect elsewhere", "redirect", "ok", /POST \/oauth\/token: .*redirect/],
  ["user: garbage", "ok", "garbage", /GET \/api\/v4\/user: GitLab's answer is not a JSON object/],
  ["user: 200 MiB", "ok", "huge", /GET \/api\/v4\/user: answer over 65536 bytes/],
  ["user: no username", "ok", "no-username", /no username/],
  ["user: username not a string", "ok", "not-a-string", /no username/],
];

test.each(BROKEN)("GitLab answering %s: 502 page within the timeout, the reason in kas's log, no session, memory flat", async (_what, tokenMode, userMode, reason) => {
  oauth.tokenMode = tokenMode;
  oauth.userMode = userMode;
  const before = kas.rssMiB();
  const collected = oauth.collected;
  const s = await start();
  const t0 = Date.now();
  const r = await callback(`state=${s.state}&code=c`, s.cookie);
  expectFailurePage(r, 502, /GitLab could not confirm the sign-in/);
  expect(Date.now() - t0).toBeLessThan(5_000);
  expect(kas.rssMiB() - before).toBeLessThan(48);
  expect(oauth.collected).toBe(collected);
  const line = kas.logs(/^Console GitLab sign-in failed$/).at(-1);
  expect(String(line?.error)).toMatch(reason);
  expect(JSON.stringify(line)).not.toContain("console-app-secret");
  expect(JSON.stringify(line)).not.toContain("hostile-access-token");
});

test("GitLab that never answers, or sends a byte a second: 502 after GitLab's 10 s timeout, not a hung sign-in", async () => {
  for (const [tokenMode, userMode] of [["never", "ok"], ["trickle", "ok"], ["ok", "never"]] as const) {
    oauth.tokenMode = tokenMode;
    oauth.userMode = userMode;
    const s = await start();
    const t0 = Date.now();
    const r = await callback(`state=${s.state}&code=c`, s.cookie);
    const ms = Date.now() - t0;
    expectFailurePage(r, 502, /GitLab could not confirm the sign-in/);
    expect({ tokenMode, userMode, ms: ms >= 9_000 && ms < 13_000 }).toEqual({ tokenMode, userMode, ms: true });
  }
  oauth.tokenMode = "ok";
  oauth.userMode = "ok";
  expect(kas.alive()).toBe(true);
  await kas.legitimate();
}, 60_000);
