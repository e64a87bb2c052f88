/**
 * listen.api attacked below the console (kas as its own process): wrong
 * tokens guessed from one address, headers dripped (slowloris), more
 * connections than the cap; and what must survive the limits: live updates
 * and a log follow open longer than request_timeout.
 */
import * as http from "node:http";
import * as net from "node:net";
import { consoleClient, expectCspOnHtml } from "./console-client";
import { eventually, startKasProcess, type KasProcess } from "./kas-process";
import { deployment, malloryTunnels } from "./mallory-tunnels";
import { openStream, rawRequest } from "./raw-http";

const TOKEN = "console-listener-t0ken-0123456789";
const bearer = { authorization: `Bearer ${TOKEN}` };
const CAP = 20;
const HEADERS_TIMEOUT_MS = 1_000;
const REQUEST_TIMEOUT_MS = 2_000;
let kas: KasProcess;
let apiserver: http.Server;
const closers: (() => unknown)[] = [];
const { signIn } = consoleClient(() => kas.apiUrl);
const from = (localAddress: string, headers: Record<string, string>) => rawRequest(kas.apiUrl, "/api/v1/agents", { headers, localAddress });

beforeAll(async () => {
  // The agent's "apiserver": a pod's log, a line every 100 ms, for ever.
  apiserver = http.createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/plain" });
    const t = setInterval(() => res.write(`${new Date().toISOString()} line\n`), 100);
    res.once("close", () => clearInterval(t));
  });
  await new Promise<void>((r) => apiserver.listen(0, "127.0.0.1", r));
  kas = await startKasProcess({
    kasYaml: { api: { token_file: "api-token", max_connections: CAP, headers_timeout: `${HEADERS_TIMEOUT_MS}ms`, request_timeout: `${REQUEST_TIMEOUT_MS}ms` } },
    files: { "api-token": TOKEN },
  });
  const mallory = await malloryTunnels(kas, apiserver, [deployment("evil", "web")]);
  closers.unshift(() => mallory.close());
}, 90_000);

afterAll(async () => {
  for (const c of closers) await c();
  apiserver?.closeAllConnections();
  await new Promise((r) => apiserver?.close(r));
  await kas?.stop();
});

test("200 wrong bearer tokens from one address: 401 ten times, then 429 with Retry-After, the right token too until the window passes; other addresses unaffected", async () => {
  const started = Date.now();
  const statuses: number[] = [];
  for (let i = 0; i < 200; i++) {
    const r = await from("127.0.0.2", { authorization: `Bearer guess-${i}` });
    statuses.push(r.status);
    if (r.status === 429) expect(Number(r.headers["retry-after"])).toBeGreaterThanOrEqual(1);
  }
  const elapsedS = (Date.now() - started) / 1000;
  expect(statuses.slice(0, 11)).toEqual([...Array(10).fill(401), 429]);
  // Limited, a guess costs nothing more but is not tried: one more per second refills.
  expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(10 + Math.ceil(elapsedS) + 1);
  const right = await from("127.0.0.2", bearer);
  expect(right.status).toBe(429);
  expect(right.body).not.toContain("mallory");
  expect((await from("127.0.0.3", bearer)).status).toBe(200);
  expect((await from("127.0.0.3", { authorization: "Bearer wrong" })).status).toBe(401);
  expect(await kas.metric("kas_api_refused_total", /rate_limited/)).toBeGreaterThanOrEqual(200 - statuses.filter((s) => s === 401).length);
  await new Promise((r) => setTimeout(r, 1_100 * Number(right.headers["retry-after"])));
  expect((await from("127.0.0.2", bearer)).status).toBe(200);
}, 60_000);

test("the sign-in form counts the same way: 10 wrong tokens, then 429 for the right one too; another address signs in", async () => {
  const post = (token: string, localAddress: string) =>
    rawRequest(kas.apiUrl, "/sign-in", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ token, next: "/" }).toString(), localAddress });
  for (let i = 0; i < 10; i++) {
    const r = await post(`guess-${i}`, "127.0.0.4");
    expect(r.status).toBe(401);
    expectCspOnHtml(r, "wrong sign-in");
  }
  const limited = await post(TOKEN, "127.0.0.4");
  expect({ status: limited.status, retryAfter: Number(limited.headers["retry-after"]) }).toEqual({ status: 429, retryAfter: 1 });
  expect(limited.body).toContain("Too many wrong tokens from this address");
  expectCspOnHtml(limited, "limited sign-in");
  expect((await post(TOKEN, "127.0.0.5")).status).toBe(303);
  expect((await signIn({ token: TOKEN })).status).toBe(303);
});

test("slowloris: a request head dripped a header every 200 ms is cut after headers_timeout; kas keeps answering", async () => {
  const socket = net.connect(Number(new URL(kas.apiUrl).port), "127.0.0.1");
  await new Promise((r) => socket.once("connect", r));
  const opened = Date.now();
  socket.write("GET /api/v1/agents HTTP/1.1\r\nHost: kas\r\n");
  const drip = setInterval(() => socket.writable && socket.write(`X-Drip-${Date.now()}: x\r\n`), 200);
  let answer = "";
  socket.on("data", (c: Buffer) => (answer += c.toString()));
  socket.on("error", () => undefined);
  await new Promise((r) => socket.once("close", r));
  clearInterval(drip);
  const lived = Date.now() - opened;
  expect(lived).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 100);
  expect(lived).toBeLessThan(HEADERS_TIMEOUT_MS + 2_500);
  expect(answer).toMatch(/^HTTP\/1\.1 408|^$/);
  expect((await rawRequest(kas.apiUrl, "/api/v1/agents", { headers: bearer })).status).toBe(200);
});

test("live updates and a log follow stay open past request_timeout (it bounds receiving a request, not the answer)", async () => {
  const events = await openStream(kas.apiUrl, "/api/v1/events", bearer);
  const log = await openStream(kas.apiUrl, "/api/v1/agents/2/pods/evil/p-1/log?follow=true", bearer, false);
  expect({ events: events.status, log: log.status }).toEqual({ events: 200, log: 200 });
  let closed = false;
  void Promise.race([events.closed, log.closed]).then(() => (closed = true));
  await new Promise((r) => setTimeout(r, REQUEST_TIMEOUT_MS + HEADERS_TIMEOUT_MS + 1_500));
  expect(closed).toBe(false);
  let bytes = 0;
  log.res.on("data", (c: Buffer) => (bytes += c.length));
  log.res.resume();
  await eventually("log lines still arriving", () => (bytes > 0 ? true : undefined));
  events.drop();
  log.drop();
  await Promise.all([events.closed, log.closed]);
}, 30_000);

test(`connection cap ${CAP}: one connection past the cap is refused while the ${CAP} open ones are served; one closed, a new one gets in`, async () => {
  const port = Number(new URL(kas.apiUrl).port);
  const request = `GET /api/v1/agents HTTP/1.1\r\nHost: kas\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`;
  /** Sends a request on `s` and resolves with the status line, or "closed". */
  const ask = (s: net.Socket): Promise<string> =>
    new Promise((resolve) => {
      let got = "";
      const onData = (c: Buffer) => {
        got += c.toString();
        if (got.includes("\r\n")) done(got.split("\r\n")[0] as string);
      };
      const done = (v: string) => {
        s.off("data", onData);
        resolve(v);
      };
      s.on("data", onData);
      s.once("close", () => done("closed"));
      s.write(request);
    });
  const open = async (): Promise<net.Socket> => {
    const s = net.connect(port, "127.0.0.1");
    s.on("error", () => undefined);
    await new Promise((r) => s.once("connect", r));
    return s;
  };
  /** A connection served a first answer (those of earlier tests may not be gone from kas's count yet). */
  const served = (what: string) =>
    eventually(what, async () => {
      const s = await open();
      if ((await ask(s)) === "HTTP/1.1 200 OK") return s;
      s.destroy();
      return undefined;
    });
  const held: net.Socket[] = [];
  try {
    for (let i = 0; i < CAP; i++) held.push(await served(`connection ${i + 1} served`));
    const extra = await open();
    expect(await ask(extra)).toBe("closed");
    expect(await Promise.all(held.map(ask))).toEqual(Array(CAP).fill("HTTP/1.1 200 OK"));
    (held.pop() as net.Socket).destroy();
    (await served("a connection under the cap served")).destroy();
  } finally {
    held.forEach((s) => s.destroy());
  }
});
