/**
 * The console's attacker (issue 21), against kas as its own process on
 * loopback: every route without a credential, forged and fixed session
 * cookies, sign-out, a flood of sign-ins, requests from another site, where
 * sign-in sends the browser afterwards, odd paths and queries, an agent
 * (mallory) whose every reported string is HTML, the live stream opened and
 * dropped 1000 times, and pod log requests opened and dropped past the
 * viewer's bound. kas stays up, its memory flat, and a1 still syncs.
 */
import { randomBytes } from "node:crypto";
import * as net from "node:net";
import { CONTENT_SECURITY_POLICY } from "../../runtime/kas/console";
import { eventually, startKasProcess, type KasProcess } from "./kas-process";
import { openStream, pendingRequest, rawRequest, type RawReply } from "./raw-http";
import { hostileAgent, PAYLOAD, type HostileAgent } from "./console-hostile-agent";

const TOKEN = "console-abuse-t0ken-0123456789";
const bearer = { authorization: `Bearer ${TOKEN}` };
const FORM = { "content-type": "application/x-www-form-urlencoded" };
let kas: KasProcess;
let mallory: HostileAgent;

beforeAll(async () => {
  kas = await startKasProcess({
    kasYaml: { api: { token_file: "api-token" } },
    files: { "api-token": TOKEN },
    moreAgents: ["eve"],
    evil: {
      ".gitlab/agents/mallory/config.yaml": "gitops:\n  manifest_projects:\n  - id: g/evil\n    default_namespace: evil\n",
      // eve's configuration error quotes the attacker's key.
      ".gitlab/agents/eve/config.yaml": `gitops:\n  '${PAYLOAD.replace(/'/g, "''")}': 1\n`,
    },
  });
  mallory = await hostileAgent(kas, ["mallory", "eve"]);
}, 90_000);

afterAll(async () => {
  await mallory?.close();
  await kas?.stop();
});

const get = (path: string, headers: Record<string, string> = {}, method = "GET"): Promise<RawReply> => rawRequest(kas.apiUrl, path, { method, headers });
const signIn = (fields: Record<string, string>, headers: Record<string, string> = {}): Promise<RawReply> =>
  rawRequest(kas.apiUrl, "/sign-in", { method: "POST", headers: { ...FORM, ...headers }, body: new URLSearchParams(fields).toString() });
const cookieOf = (r: RawReply): string => String(r.headers["set-cookie"]?.[0] ?? "").split(";")[0] as string;
const status = async (path: string, headers: Record<string, string>): Promise<number> => (await get(path, headers)).status;

/** An HTML answer carries the CSP (and one without a body type is no page). */
function expectCspOnHtml(r: RawReply, what: string): void {
  if (String(r.headers["content-type"]).startsWith("text/html")) expect({ what, csp: r.headers["content-security-policy"] }).toEqual({ what, csp: expect.stringContaining("script-src 'self'") });
}

const GUARDED = [
  "/", "/?q=a1", "/agents/1", "/agents/2", "/agents/1/workloads", "/api/v1/agents", "/api/v1/agents/1", "/api/v1/events",
  "/api/v1/agents/1/workloads", "/api/v1/agents/2/pods/evil/p/log?follow=true", "/assets/workloads.js", "/nope", "/agents/%3Cscript%3E",
  // Traversal and spelling around the public assets: never an asset, never a file.
  "/assets/../api/v1/agents", "/assets/%2e%2e/api/v1/agents", "/assets/console.js/../../api/v1/agents", "/assets/..%2f..%2fkas.yaml",
  "/assets//etc/passwd", "/assets/%2fetc%2fpasswd", "/ASSETS/console.js", "/assets/console.js%00", "//api/v1/agents", "/assets/api-token",
];

test("every route without a credential, with a wrong token or a forged cookie: 401, nothing of the agents, CSP on every page", async () => {
  const forged: Record<string, string>[] = [
    {}, { authorization: "Bearer wrong" }, { authorization: TOKEN }, { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString("base64")}` }, { authorization: `Bearer ${TOKEN}x` },
    { cookie: "kas_console_session=" }, { cookie: `kas_console_session=${randomBytes(32).toString("base64url")}` }, { cookie: `kas_console_session=${"A".repeat(10_000)}` },
    { cookie: "kas_console_session=<script>; kas_console_session=ünïcode" }, { cookie: `x=1; kas_console_session=${TOKEN}` },
  ];
  for (const path of GUARDED) {
    for (const headers of forged) {
      const r = await get(path, headers);
      expect({ path, headers, status: r.status }).toEqual({ path, headers, status: 401 });
      expect(r.body).not.toMatch(/mallory|agents\.yaml|root:x:0/);
      expectCspOnHtml(r, path);
    }
  }
  for (const [method, path] of [["POST", "/"], ["DELETE", "/api/v1/agents/1"], ["PUT", "/api/v1/events"], ["HEAD", "/"], ["POST", "/api/v1/agents/1/workloads"]] as const) {
    expect({ method, path, status: (await get(path, {}, method)).status }).toEqual({ method, path, status: 401 });
  }
  // 200 guessed session ids (random, the right format): none opens anything.
  for (let i = 0; i < 200; i++) expect(await status("/api/v1/agents", { cookie: `kas_console_session=${randomBytes(32).toString("base64url")}` })).toBe(401);
  // The sign-in page's own assets are public; with the token, traversal is a 404, never a file.
  expect((await get("/assets/console.js")).status).toBe(200);
  expect((await get("/assets/console.css")).status).toBe(200);
  for (const path of GUARDED.filter((p) => p.startsWith("/assets/") && p !== "/assets/workloads.js")) {
    const r = await get(path, bearer);
    expect({ path, status: r.status }).toEqual({ path, status: 404 });
    expect(r.body).not.toContain(TOKEN);
  }
  expect(await kas.metric("kas_api_refused_total")).toBeGreaterThan(200);
});

test("sessions: a cookie set before sign-in never becomes valid (fixation); sign-out ends it on the server; 3000 sign-ins keep at most 1000, memory flat", async () => {
  const fixed = `kas_console_session=${randomBytes(32).toString("base64url")}`;
  const first = await signIn({ token: TOKEN, next: "/" }, { cookie: fixed });
  expect(first.status).toBe(303);
  const cookie = cookieOf(first);
  expect(cookie).toMatch(/^kas_console_session=[A-Za-z0-9_-]{43}$/);
  expect(cookie).not.toBe(fixed);
  expect(first.headers["set-cookie"]?.[0]).toMatch(/; HttpOnly; SameSite=Strict;/);
  expect(await status("/api/v1/agents", { cookie: fixed })).toBe(401);
  expect(await status("/api/v1/agents", { cookie })).toBe(200);
  // Signed out, the same cookie sent again (a copy the attacker kept) opens nothing.
  expect((await rawRequest(kas.apiUrl, "/sign-out", { method: "POST", headers: { cookie } })).status).toBe(303);
  for (const p of ["/api/v1/agents", "/", "/api/v1/events"]) expect(await status(p, { cookie })).toBe(401);

  const oldest = cookieOf(await signIn({ token: TOKEN }));
  const before = kas.rssMiB();
  let last = "";
  for (let round = 0; round < 30; round++) {
    const cookies = await Promise.all(Array.from({ length: 100 }, async () => cookieOf(await signIn({ token: TOKEN }))));
    last = cookies.at(-1) as string;
  }
  const growth = kas.rssMiB() - before;
  process.stdout.write(`3000 sign-ins: kas RSS +${growth.toFixed(1)} MiB, ${await kas.metric("kas_console_sessions")} sessions\n`);
  expect(await kas.metric("kas_console_sessions")).toBe(1000);
  expect(await status("/api/v1/agents", { cookie: oldest })).toBe(401);
  expect(await status("/api/v1/agents", { cookie: last })).toBe(200);
  expect(growth).toBeLessThan(48);
}, 90_000);

test("CSRF: sign-in and sign-out posted from another site are refused (403), the session stays; GET changes nothing; a same-origin form works", async () => {
  const cookie = cookieOf(await signIn({ token: TOKEN }));
  const otherSite: Record<string, string>[] = [{ "sec-fetch-site": "cross-site" }, { "sec-fetch-site": "same-site" }, { origin: "http://evil.example" }, { origin: "null" }];
  for (const h of otherSite) {
    const out = await rawRequest(kas.apiUrl, "/sign-out", { method: "POST", headers: { ...h, cookie } });
    expect({ h, status: out.status }).toEqual({ h, status: 403 });
    expect(out.headers["set-cookie"]).toBeUndefined();
    expect(await status("/api/v1/agents", { cookie })).toBe(200);
    const login = await signIn({ token: TOKEN }, h);
    expect({ h, status: login.status }).toEqual({ h, status: 403 });
    expect(login.headers["set-cookie"]).toBeUndefined();
    expectCspOnHtml(login, "refused sign-in");
  }
  // GET never signs in or out.
  expect((await get(`/sign-in?token=${TOKEN}`)).headers["set-cookie"]).toBeUndefined();
  await get("/sign-out", { cookie });
  expect(await status("/api/v1/agents", { cookie })).toBe(200);
  // The browser's own form: same origin.
  const own = await signIn({ token: TOKEN }, { "sec-fetch-site": "same-origin", origin: kas.apiUrl });
  expect(own.status).toBe(303);
  const out = await rawRequest(kas.apiUrl, "/sign-out", { method: "POST", headers: { "sec-fetch-site": "same-origin", origin: kas.apiUrl, cookie } });
  expect(out.status).toBe(303);
  expect(await status("/api/v1/agents", { cookie })).toBe(401);
});

test("after sign-in kas sends the browser only to a path of its own: never another site, never a 500 for odd characters", async () => {
  const nexts = [
    "//evil.example/x", "https://evil.example/", "/\\evil.example", "\\\\evil.example", "/\t/evil.example", " /x", "javascript:alert(1)",
    "/x\r\nSet-Cookie: a=b", "/\u0100", "/\u0001", "/%0d%0aSet-Cookie:%20a=b", `/${"a".repeat(600)}`, "/agents/1?q=<script>",
  ];
  for (const next of nexts) {
    const r = await signIn({ token: TOKEN, next });
    expect({ next, status: r.status }).toEqual({ next, status: 303 });
    expect(r.headers.location).toMatch(/^\/(?![/\\])[\x21-\x7e]*$/);
    expect(r.headers["set-cookie"]).toHaveLength(1);
  }
  // The sign-in form keeps a safe `next` only, escaped in its attribute.
  const form = await get(`/agents/1?q=%22%3E%3Cscript%3Ealert(1)%3C/script%3E`);
  expect(form.status).toBe(401);
  expect(form.body).not.toContain("<script>alert");
  expect(kas.logs(/^Console request failed$/)).toHaveLength(0);
});

test("300 sign-in forms sent a byte at a time (slowloris, no credential needed): kas serves others meanwhile, memory flat", async () => {
  const { port } = new URL(kas.apiUrl);
  const before = kas.rssMiB();
  const sockets = await Promise.all(
    Array.from({ length: 300 }, () => new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect(Number(port), "127.0.0.1", () => {
        s.write(`POST /sign-in HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 8000\r\n\r\ntoken=`);
        resolve(s);
      });
      s.on("error", reject);
    })),
  );
  for (let i = 0; i < 5; i++) {
    for (const s of sockets) s.write("a");
    expect(await status("/api/v1/agents", bearer)).toBe(200);
    await new Promise((r) => setTimeout(r, 100));
  }
  const growth = kas.rssMiB() - before;
  process.stdout.write(`300 slow sign-in forms: kas RSS +${growth.toFixed(1)} MiB\n`);
  expect(growth).toBeLessThan(48);
  sockets.forEach((s) => s.destroy());
  expect(await status("/api/v1/agents", bearer)).toBe(200);
  expect(kas.logs(/^Console request failed$/)).toHaveLength(0);
});

test("odd input: a huge ?q=, 10 KB and HTML agent ids, bad encodings, a 100 KB path: clear 4xx, escaped, no crash", async () => {
  const q = encodeURIComponent(`"><script>alert(1)</script>${"x".repeat(8000)}`);
  const list = await get(`/?q=${q}`, bearer);
  expect(list.status).toBe(200);
  expect(list.body).not.toContain("<script>alert");
  expect(list.body).toContain("&quot;&gt;&lt;script&gt;alert(1)");
  expect(list.headers["content-security-policy"]).toBe(CONTENT_SECURITY_POLICY);
  const ids = [encodeURIComponent("<script>alert(1)</script>"), "%E2%98%83", "%ZZ", "%00", "a".repeat(10_000), encodeURIComponent("\u202e<img src=x onerror=alert(1)>")];
  for (const id of ids) {
    for (const path of [`/agents/${id}`, `/api/v1/agents/${id}`, `/agents/${id}/workloads`, `/api/v1/agents/${id}/workloads`, `/api/v1/agents/${id}/pods/evil/p/log`]) {
      const r = await get(path, bearer);
      expect({ path: path.slice(0, 80), refused: [400, 404].includes(r.status) }).toEqual({ path: path.slice(0, 80), refused: true });
      // A page escapes it; JSON (nosniff) may carry it as a string.
      if (String(r.headers["content-type"]).startsWith("text/html")) expect(r.body).not.toMatch(/<script>alert|<img src=x/);
      else expect(r.headers["x-content-type-options"]).toBe("nosniff");
      expectCspOnHtml(r, path.slice(0, 80));
    }
  }
  for (const path of ["/api/v1/agents/2/pods/Evil/p/log", "/api/v1/agents/2/pods/evil/..%2Fsecrets/log", "/api/v1/agents/2/pods/evil/p/log?container=%3Cscript%3E", "/api/v1/agents/2/pods/evil/p/log?tailLines=-1"]) {
    const r = await get(path, bearer);
    expect({ path, status: r.status }).toEqual({ path, status: 400 });
    expect(JSON.parse(r.body)).toMatchObject({ kind: "Status", message: expect.stringMatching(/^kas: .*expected/) });
  }
  const long = await get(`/agents/${"a".repeat(100_000)}`, bearer).catch((err: Error) => ({ status: 0, body: err.message }));
  expect(long.status).toBe(431);
  expect(kas.alive()).toBe(true);
  expect(kas.logs(/^Console request failed$/)).toHaveLength(0);
});

test("every string an agent reports (version, pod, cluster error, commit, objects, sync error, config error) is escaped on every page and in attributes", async () => {
  const pages = ["/", `/?q=${encodeURIComponent("<script>")}`, "/agents/2", "/agents/3"];
  const bodies = await eventually("mallory's report and eve's config error on the pages", async () => {
    const got = await Promise.all(pages.map((p) => get(p, bearer)));
    return got[2]!.body.includes("&lt;script&gt;alert(1)") && got[3]!.body.includes("Configuration error") ? got : undefined;
  });
  for (const [i, r] of bodies.entries()) {
    expect(r.status).toBe(200);
    expect(r.headers["content-security-policy"]).toBe(CONTENT_SECURITY_POLICY);
    expect({ page: pages[i], raw: r.body.match(/<script>alert|<img src=x|"'><|onerror=alert[^&]*>/g) }).toEqual({ page: pages[i], raw: null });
  }
  const agentPage = bodies[2]!.body;
  // Each field is shown (escaped), so the check above saw it.
  const shown = agentPage.split("&lt;script&gt;alert(1)&lt;/script&gt;").length - 1;
  expect(shown).toBeGreaterThanOrEqual(6);
  expect(bodies[3]!.body).toContain("&lt;script&gt;");
  // The JSON beside the page is JSON, not HTML a browser would run.
  const json = await get("/api/v1/agents/2", bearer);
  expect(json.headers["content-type"]).toBe("application/json");
  expect(json.headers["x-content-type-options"]).toBe("nosniff");
});

test("live stream: 1000 connections opened and dropped (at most 100 at once, the rest 503), all freed, memory flat", async () => {
  const before = kas.rssMiB();
  let refused = 0;
  for (let round = 0; round < 10; round++) {
    const opened = await Promise.all(Array.from({ length: 100 }, () => openStream(kas.apiUrl, "/api/v1/events", bearer)));
    expect(opened.map((s) => s.status)).toEqual(Array(100).fill(200));
    const extra = await get("/api/v1/events", bearer);
    expect(extra.status).toBe(503);
    if (extra.status === 503) refused++;
    // Half drop, half stop reading before they drop.
    opened.forEach((s, i) => (i % 2 ? s.res.pause() : undefined));
    opened.forEach((s) => s.drop());
    await Promise.all(opened.map((s) => s.closed));
    await eventually("every live stream freed", async () => ((await kas.metric("kas_console_live_clients")) === 0 ? true : undefined));
  }
  const growth = kas.rssMiB() - before;
  process.stdout.write(`1000 live streams opened and dropped: kas RSS +${growth.toFixed(1)} MiB, ${refused} refused at the limit\n`);
  expect(growth).toBeLessThan(32);
  const again = await openStream(kas.apiUrl, "/api/v1/events", bearer);
  expect(again.status).toBe(200);
  again.drop();
  await kas.legitimate();
}, 90_000);

test("pod logs: 8 per viewer; past it 429; 10 rounds of 8 opened and dropped while waiting for the agent leave no slot taken", async () => {
  const path = "/api/v1/agents/2/pods/evil/p/log?follow=true";
  // mallory is connected but offers no tunnel: each log request waits for one (up to 10 s).
  for (let round = 0; round < 10; round++) {
    const waiting = Array.from({ length: 8 }, () => pendingRequest(kas.apiUrl, path, bearer));
    await new Promise((r) => setTimeout(r, 200));
    expect(waiting.filter((w) => w.answered()).length).toBe(0);
    const ninth = await get(path, bearer);
    expect(ninth.status).toBe(429);
    expect(JSON.parse(ninth.body)).toMatchObject({ reason: "TooManyRequests", message: expect.stringContaining("8 pod logs open") });
    waiting.forEach((w) => w.drop());
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(kas.alive()).toBe(true);
}, 60_000);
