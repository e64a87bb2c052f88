/**
 * The console's sign-in attacked (issue 21), kas as its own process on
 * loopback: a session cookie fixed before sign-in, a copy kept after
 * sign-out, a flood of sign-ins, forms posted from another site, where
 * sign-in sends the browser afterwards, and forms sent a byte at a time.
 */
import { randomBytes } from "node:crypto";
import * as net from "node:net";
import { consoleClient, cookieOf, expectCspOnHtml } from "./console-client";
import { startKasProcess, type KasProcess } from "./kas-process";
import { rawRequest } from "./raw-http";

const TOKEN = "console-sign-in-t0ken-0123456789";
const bearer = { authorization: `Bearer ${TOKEN}` };
let kas: KasProcess;
const { get, status, signIn } = consoleClient(() => kas.apiUrl);

beforeAll(async () => {
  kas = await startKasProcess({ kasYaml: { api: { token_file: "api-token" } }, files: { "api-token": TOKEN } });
}, 90_000);

afterAll(async () => {
  await kas?.stop();
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
  await kas.legitimate();
});
