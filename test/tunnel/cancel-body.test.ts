/**
 * kas cancels a request while its body is still streaming to the agent (the
 * body went over kas's limit, or its client stopped sending): agentk must
 * abort its apiserver request and free the tunnel, not wait for the rest of
 * a body that will never come. The agent's "apiserver" is a loopback server
 * that reads the body and answers only at its end.
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

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.on("data", () => undefined);
    req.on("end", () => res.writeHead(201).end("{}"));
    req.on("aborted", () => aborted++);
  });
  ({ kas, pool } = agent = await startLoopbackAgent(server, 2));
}, 60_000);

afterAll(async () => {
  await agent?.stop();
});

test("a body that fails mid-way: kas cancels, agentk aborts the apiserver request and frees its tunnel", async () => {
  for (let i = 0; i < 5; i++) {
    await until("an idle tunnel", async () => (kas.kas.tunnels.counts("1").idle > 0 ? true : undefined), 10_000);
    const tunnel = await kas.kas.tunnels.acquire("1", { timeoutMs: 5_000 });
    async function* body(): AsyncGenerator<Buffer> {
      for (let k = 0; k < 4; k++) yield Buffer.alloc(16 * 1024, "x");
      throw new Error("the client's body went over the limit");
    }
    const head = { method: "POST", path: "/api/v1/namespaces/dude/configmaps", headers: [{ name: "content-type", values: ["application/json"] }], identity: null };
    await expect(tunnel.request(head, body())).rejects.toThrow();
  }
  await until("kas: no tunnel in use", async () => (kas.kas.tunnels.counts("1").inUse === 0 ? true : undefined), 10_000);
  await until("agentk: no request open", async () => (pool.pool.stats.open === 0 ? true : undefined), 10_000, () => JSON.stringify(pool.pool.stats));
  await until("the apiserver requests aborted", async () => (aborted === 5 ? true : undefined), 10_000, () => `aborted: ${aborted}`);
}, 60_000);
