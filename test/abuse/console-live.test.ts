/**
 * The console's live stream (/api/v1/events) against clients that never
 * read, on real loopback sockets with the console in-process (its limits set
 * small, which kas.yaml does not offer): a client that reads nothing cannot
 * hold a stream slot for ever (the kernel's socket buffers take megabytes of
 * heartbeats before kas would see it as not reading), and streams opened and
 * dropped leave no timer behind. Sessions (also limits set small) expire and
 * are evicted on the server, whatever the browser keeps sending.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { createLogger, Metrics } from "../../runtime/common";
import { startConsole, type Console } from "../../runtime/kas/console";
import type { AgentsView } from "../../runtime/kas/shared";
import { eventually } from "./kas-process";
import { openStream, rawRequest } from "./raw-http";

const TOKEN = "live-abuse-t0ken-0123456789";
const bearer = { authorization: `Bearer ${TOKEN}` };
const LIMITS = { maxClients: 5, heartbeatMs: 20, pollMs: 20, maxBufferedBytes: 64 * 1024, maxStreamMs: 2_000 };
const SESSIONS = { maxSessions: 3, ttlMs: 500 };
let server: http.Server;
let console_: Console;
let base: string;
const metrics = new Metrics();

beforeAll(async () => {
  const view: AgentsView = { status: "memory", agents: [] };
  console_ = startConsole({
    shared: { agents: async () => view, commits: async () => ({ status: "memory", commits: new Map() }) },
    registered: () => [],
    projects: () => [],
    token: () => TOKEN,
    metrics,
    logger: createLogger({ level: "error", write: () => undefined }),
    live: LIMITS,
    sessions: SESSIONS,
  });
  server = http.createServer((req, res) => void console_.handle(req, res));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  console_?.close();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
});

const liveClients = async (): Promise<number> => Number(/^kas_console_live_clients (\d+)$/m.exec(await metrics.render())?.[1]);
const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

test("clients that never read fill every slot, and are dropped within maxStreamMs: the slots come back; the stream tells the browser to reconnect", async () => {
  for (let round = 0; round < 3; round++) {
    const stalled = await Promise.all(Array.from({ length: LIMITS.maxClients }, () => openStream(base, "/api/v1/events", bearer, false)));
    expect(stalled.map((s) => s.status)).toEqual(Array(LIMITS.maxClients).fill(200));
    expect((await rawRequest(base, "/api/v1/events", { headers: bearer })).status).toBe(503);
    const t0 = Date.now();
    await Promise.all(stalled.map((s) => s.closed));
    expect(Date.now() - t0).toBeLessThan(LIMITS.maxStreamMs + 1_000);
    await eventually("every slot free", async () => ((await liveClients()) === 0 ? true : undefined));
  }
  // A reading client sees why it may go: the retry the browser's EventSource reconnects after, then heartbeats.
  const reader = await openStream(base, "/api/v1/events", bearer, false);
  let text = "";
  reader.res.on("data", (c: Buffer) => (text += c.toString("utf8")));
  reader.res.resume();
  await reader.closed;
  expect(text).toMatch(/^retry: \d+\nevent: hello\n/);
  expect(text).toContain(": heartbeat\n\n");
}, 30_000);

test("300 streams opened and dropped leave no timer running (heartbeats and polls stop with the last client)", async () => {
  await eventually("no live client", async () => ((await liveClients()) === 0 ? true : undefined));
  await new Promise((r) => setTimeout(r, LIMITS.pollMs * 5));
  const before = timers();
  for (let round = 0; round < 60; round++) {
    const opened = await Promise.all(Array.from({ length: LIMITS.maxClients }, () => openStream(base, "/api/v1/events", bearer)));
    opened.forEach((s) => s.drop());
    await Promise.all(opened.map((s) => s.closed));
  }
  await eventually("every timer of the live streams stopped", async () => (timers() <= before && (await liveClients()) === 0 ? true : undefined), 5_000);
});

test("sessions: one kept past its ttl is refused (its live stream ended with it), the oldest is evicted past maxSessions; the browser's cookie changes nothing", async () => {
  const signIn = async (): Promise<string> => {
    const r = await rawRequest(base, "/sign-in", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: `token=${TOKEN}` });
    expect(r.status).toBe(303);
    expect(r.headers["set-cookie"]?.[0]).toMatch(/; Max-Age=0(;|$)/);
    return String(r.headers["set-cookie"]?.[0]).split(";")[0] as string;
  };
  const agents = async (cookie: string): Promise<number> => (await rawRequest(base, "/api/v1/agents", { headers: { cookie } })).status;
  const first = await signIn();
  expect(await agents(first)).toBe(200);
  // Its live stream ends with it, not at the stream's own (longer) lifetime.
  const t0 = Date.now();
  const stream = await openStream(base, "/api/v1/events", { cookie: first });
  expect(stream.status).toBe(200);
  await stream.closed;
  expect(Date.now() - t0).toBeLessThan((SESSIONS.ttlMs + LIMITS.maxStreamMs) / 2 + 250);
  expect(await agents(first)).toBe(401);
  const cookies = [await signIn(), await signIn(), await signIn(), await signIn()];
  expect(await Promise.all(cookies.map(agents))).toEqual([401, 200, 200, 200]);
});
