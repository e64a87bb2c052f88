/**
 * The console's workloads against a hostile agent (issue 21): mallory serves
 * its reverse tunnels with agentk's own tunnel pool, in front of an
 * "apiserver" that is the attacker's: every answer just under kas's 8 MiB
 * read limit, millions of pods and events in it. The operator opening
 * mallory's workloads gets a bounded page in bounded time; kas's event loop
 * and memory stay its own; a1 still syncs.
 */
import * as http from "node:http";
import type { TunnelPool } from "../../runtime/agentk/tunnel";
import type { WorkloadsAnswer } from "../../runtime/kas/workloads";
import { PAYLOAD } from "./console-hostile-agent";
import { eventually, startKasProcess, type KasProcess } from "./kas-process";
import { deployment, malloryTunnels } from "./mallory-tunnels";
import { openStream, rawRequest } from "./raw-http";

const TOKEN = "workloads-abuse-t0ken-0123456789";
const bearer = { authorization: `Bearer ${TOKEN}` };
/** Just under kas's read limit (collect.ts MAX_JSON_BYTES, 8 MiB). */
const ANSWER_BYTES = 8 * 1024 * 1024 - 64;
let kas: KasProcess;
let apiserver: http.Server;
const closers: (() => unknown)[] = [];
let pool: TunnelPool;

/** `{"items":[item,item,...]}` with `n` items, or as many as fit in ANSWER_BYTES. */
function itemsOf(item: (i: number) => string, n = Math.floor((ANSWER_BYTES - 12) / (item(0).length + 1))): Buffer {
  return Buffer.from(`{"items":[${Array.from({ length: n }, (_, i) => item(i)).join(",")}]}`);
}

/**
 * Namespace `evil` (Deployment web): 5000 small pods and 90,000 events of one object, each list within kas's limits;
 * namespace `evil2` (Deployment big): 8 MiB of `{}` items for pods and events alike.
 */
function answer(path: string): Buffer {
  const ns = /\/namespaces\/([^/]+)\//.exec(path)?.[1];
  if (path.includes("/deployments/")) return Buffer.from('{"spec":{"selector":{"matchLabels":{"app":"web"}}}}');
  if (ns === "evil2") return EMPTY_OBJECTS;
  if (ns === "evil3") return JUST_UNDER;
  if (path.endsWith("/pods")) return PODS;
  if (path.endsWith("/events")) return EVENTS;
  return Buffer.from("{}");
}
const EMPTY_OBJECTS = itemsOf(() => "{}");
/** As much as kas reads: 8 MiB, just under 200,000 objects. */
const JUST_UNDER = itemsOf((i) => `{"metadata":{"name":"p-${String(i).padStart(70, "0")}"}}`, 80_000);
const P = JSON.stringify(PAYLOAD);
/** The first pod and event carry HTML in every field the page shows. */
const HOSTILE_POD = `{"metadata":{"name":${P},"namespace":${P},"creationTimestamp":${P}},"spec":{"nodeName":${P},"containers":[{"name":${P}},{"name":"b"}]},"status":{"phase":${P}}}`;
const HOSTILE_EVENT = `{"involvedObject":{"kind":"Deployment","name":"web"},"type":${P},"reason":${P},"message":${P},"lastTimestamp":${P}}`;
const PODS = itemsOf((i) => (i === 0 ? HOSTILE_POD : `{"metadata":{"name":"p-${i}","namespace":"evil"}}`), 5000);
const EVENTS = itemsOf((i) => (i === 0 ? HOSTILE_EVENT : "{}"), 90_000);

/** Log answers being streamed by the attacker's apiserver now. */
const logsOpen = new Set<http.ServerResponse>();

/** A pod's log, for ever: a line every 20 ms, until kas (through agentk) goes away. */
function endlessLog(res: http.ServerResponse): void {
  logsOpen.add(res);
  res.writeHead(200, { "content-type": "text/plain" });
  const t = setInterval(() => res.write(`${new Date().toISOString()} ${PAYLOAD}\n`), 20);
  res.once("close", () => {
    clearInterval(t);
    logsOpen.delete(res);
  });
}

beforeAll(async () => {
  apiserver = http.createServer((req, res) => {
    if (new URL(req.url ?? "/", "http://x").pathname.endsWith("/log")) return endlessLog(res);
    const body = answer(new URL(req.url ?? "/", "http://x").pathname);
    res.writeHead(200, { "content-type": "application/json", "content-length": body.length }).end(body);
  });
  await new Promise<void>((r) => apiserver.listen(0, "127.0.0.1", r));
  kas = await startKasProcess({ kasYaml: { api: { token_file: "api-token" } }, files: { "api-token": TOKEN } });
  const mallory = await malloryTunnels(kas, apiserver, [deployment("evil", "web"), deployment("evil2", "big"), deployment("evil3", "most")]);
  pool = mallory.pool;
  closers.unshift(() => mallory.close());
}, 90_000);

afterAll(async () => {
  for (const c of closers) await c();
  apiserver?.closeAllConnections();
  await new Promise((r) => apiserver?.close(r));
  await kas?.stop();
});

test("answers of thousands of pods, 90,000 events of one object, and 8 MiB of empty objects: the workloads JSON and page come back bounded within seconds; kas keeps answering and its memory stays bounded", async () => {
  const before = kas.rssMiB();
  for (const path of ["/api/v1/agents/2/workloads", "/agents/2/workloads"]) {
    let peak = before;
    let probes = 0;
    const t0 = Date.now();
    const answer = rawRequest(kas.apiUrl, path, { headers: bearer });
    let done = false;
    void answer.finally(() => (done = true));
    // While kas reads mallory's answers, it still answers others (its event loop is not held).
    while (!done && Date.now() - t0 < 30_000) {
      const answered = await fetch(`${kas.httpUrl}/liveness`, { signal: AbortSignal.timeout(5_000) }).then(() => true, () => false);
      expect({ path, livenessWithin5s: answered }).toEqual({ path, livenessWithin5s: true });
      peak = Math.max(peak, kas.rssMiB());
      probes++;
      await new Promise((r) => setTimeout(r, 200));
    }
    const r = await answer;
    const ms = Date.now() - t0;
    process.stdout.write(`${path} against 8 MiB answers: ${ms} ms, ${(r.body.length / 1024).toFixed(0)} KiB, kas RSS ${before.toFixed(0)} -> peak ${peak.toFixed(0)} MiB (${probes} liveness probes)\n`);
    expect(r.status).toBe(200);
    expect(ms).toBeLessThan(20_000);
    expect(r.body.length).toBeLessThan(1024 * 1024);
    expect(peak - before).toBeLessThan(128);
    if (path.startsWith("/agents/")) {
      // Every string from the cluster is escaped, in text and in attributes (the log links).
      expect(r.headers["content-security-policy"]).toContain("script-src 'self'");
      expect(r.body.match(/<script>alert|<img src=x|"'>/g)).toBeNull();
      expect(r.body.split("&lt;script&gt;alert(1)").length - 1).toBeGreaterThanOrEqual(8);
    }
    if (path.startsWith("/api/")) {
      const [web, big] = ["web", "big"].map((n) => (JSON.parse(r.body) as WorkloadsAnswer).workloads.find((w) => w.name === n)!);
      // No more than kas asked for (limit=100 pods, 500 events, 5 events per object shown).
      expect(web!.pods).toHaveLength(100);
      expect(web!.events_error).toBeUndefined();
      expect(web!.pods_error).toBeUndefined();
      // 8 MiB of empty objects: refused by count, with the reason.
      expect(big!.pods_error).toMatchObject({ status: 502, message: expect.stringMatching(/answer to \/api\/v1\/namespaces\/evil2\/pods holds over 200000 JSON objects and arrays/) });
      expect(big!.events_error).toMatchObject({ status: 502 });
    }
  }
  expect(kas.alive()).toBe(true);
  await kas.legitimate();
}, 120_000);

test("16 workloads requests at once from one viewer, of an agent answering as much as kas reads: 4 read at a time, the rest 429, memory bounded", async () => {
  const before = kas.rssMiB();
  let peak = before;
  const all = Promise.all(Array.from({ length: 16 }, () => rawRequest(kas.apiUrl, "/api/v1/agents/2/workloads", { headers: bearer })));
  let done = false;
  void all.finally(() => (done = true));
  while (!done) {
    peak = Math.max(peak, kas.rssMiB());
    await new Promise((r) => setTimeout(r, 50));
  }
  const answers = await all;
  process.stdout.write(`16 workloads requests at once: ${answers.map((a) => a.status).join(",")}; kas RSS ${before.toFixed(0)} -> peak ${peak.toFixed(0)} MiB\n`);
  expect(answers.filter((a) => a.status === 200).length).toBeGreaterThanOrEqual(4);
  const refused = answers.filter((a) => a.status !== 200);
  expect(refused.length).toBeGreaterThan(0);
  for (const r of refused) expect(JSON.parse(r.body)).toMatchObject({ code: 429, message: expect.stringContaining("4 workloads reads in progress") });
  expect(peak - before).toBeLessThan(160);
  // The viewer's slots came back.
  expect((await rawRequest(kas.apiUrl, "/api/v1/agents/2/workloads", { headers: bearer })).status).toBe(200);
}, 60_000);

test("an endless log: 10 rounds of 8 follows opened and dropped (and a 9th refused) leave no tunnel request open in agentk, kas or the apiserver", async () => {
  const path = "/api/v1/agents/2/pods/evil/p-1/log?follow=true";
  for (let round = 0; round < 10; round++) {
    const follows = await Promise.all(Array.from({ length: 8 }, () => openStream(kas.apiUrl, path, bearer)));
    expect(follows.map((f) => f.status)).toEqual(Array(8).fill(200));
    expect((await rawRequest(kas.apiUrl, path, { headers: bearer })).status).toBe(429);
    // Half read a line first; the rest go at once.
    await Promise.all(follows.slice(0, 4).map((f) => new Promise((r) => f.res.once("data", r))));
    follows.forEach((f) => f.drop());
    await Promise.all(follows.map((f) => f.closed));
  }
  await eventually("no log request open anywhere", async () =>
    pool.stats.open === 0 && logsOpen.size === 0 && (await kas.metric("kas_agent_tunnels_in_use")) === 0 ? true : undefined,
  );
  // The viewer's slots are back: 8 follow again.
  const again = await Promise.all(Array.from({ length: 8 }, () => openStream(kas.apiUrl, path, bearer)));
  expect(again.map((f) => f.status)).toEqual(Array(8).fill(200));
  again.forEach((f) => f.drop());
  await eventually("the last follows freed", async () => (pool.stats.open === 0 && logsOpen.size === 0 ? true : undefined));
}, 60_000);
