/**
 * kas cancels a request whose body the agent's apiserver never reads (the
 * caller went away mid-upload): the HTTP/2 window to agentk is full, so the
 * CANCELLED status kas sends queues behind the unread data and never arrives.
 * kas must reset the stream instead, so agentk aborts its apiserver request
 * and frees its tunnel (found while routing between replicas, issue 20).
 */
import * as http from "node:http";
import type { TestKas } from "../kas";
import { until } from "../until";
import { startLoopbackAgent, type LoopbackAgent, type TestPool } from "./harness";

let kas: TestKas;
let pool: TestPool;
let agent: LoopbackAgent | undefined;
let server: http.Server;
let aborted = 0;
let received = 0;
let held: http.IncomingMessage | undefined;

beforeAll(async () => {
  // An apiserver that takes the request and never reads its body nor answers.
  server = http.createServer((req) => {
    received++;
    held = req;
    req.pause();
    req.socket.once("close", () => aborted++);
  });
  ({ kas, pool } = agent = await startLoopbackAgent(server, 2));
}, 60_000);

afterAll(async () => {
  await agent?.stop();
});

test("a caller that goes away while the apiserver reads nothing: agentk's request is aborted and its tunnel freed", async () => {
  await until("an idle tunnel", async () => (kas.kas.tunnels.counts("1").idle > 0 ? true : undefined), 10_000);
  const tunnel = await kas.kas.tunnels.acquire("1", { timeoutMs: 5_000 });
  const caller = new AbortController();
  let sent = 0;
  async function* body(): AsyncGenerator<Buffer> {
    // Until the windows (HTTP/2 to agentk, TCP to the apiserver) are full and kas's writes wait.
    for (;;) {
      sent += 64 * 1024;
      yield Buffer.alloc(64 * 1024, "x");
    }
  }
  const head = { method: "POST", path: "/api/v1/namespaces/dude/configmaps", headers: [{ name: "content-type", values: ["application/json"] }], identity: null };
  const answer = tunnel.request(head, body(), caller.signal).catch((err: unknown) => err);
  await until("the body backed up", async () => (sent > 8 * 1024 * 1024 ? true : undefined), 10_000, () => `sent ${sent}`).catch(() => undefined);
  await until("agentk holds the request", async () => (pool.pool.stats.open === 1 ? true : undefined), 10_000);
  caller.abort();
  await answer;
  await until("agentk: no request open", async () => (pool.pool.stats.open === 0 ? true : undefined), 15_000, () => JSON.stringify(pool.pool.stats));
  // A paused socket notices its peer's close only when it reads again.
  held?.resume();
  await until("the apiserver request aborted", async () => (aborted === 1 ? true : undefined), 10_000, () => `aborted: ${aborted}, received: ${received}`);
  await until("kas: no tunnel in use", async () => (kas.kas.tunnels.counts("1").inUse === 0 ? true : undefined), 10_000);
}, 60_000);
