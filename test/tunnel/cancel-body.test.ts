/**
 * kas cancels a request while its body is still streaming to the agent (the
 * body went over kas's limit, or its client stopped sending): agentk must
 * abort its apiserver request and free the tunnel, not wait for the rest of
 * a body that will never come. The agent's "apiserver" is a loopback server
 * that reads the body and answers only at its end.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { KubeClient } from "../../runtime/agentk/kube";
import { newToken, startTestKas, type TestKas } from "../kas";
import { until } from "../until";
import { startPool, type TestPool } from "./harness";

let kas: TestKas;
let pool: TestPool;
let server: http.Server;
const token = newToken();
let aborted = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.on("data", () => undefined);
    req.on("end", () => res.writeHead(201).end("{}"));
    req.on("aborted", () => aborted++);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const kube = KubeClient.fromAccess({
    server: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    tls: { rejectUnauthorized: true },
    headers: async () => ({}),
    source: "loopback",
  });
  kas = await startTestKas({ agents: [{ name: "a", id: "1", configProject: "g/a", tokens: [token] }], projects: [] });
  pool = await startPool(kas, token, kube, "grpc", 2);
  await until("2 idle tunnels", async () => (kas.kas.tunnels.counts("1").idle === 2 ? true : undefined), 10_000);
}, 60_000);

afterAll(async () => {
  await pool?.stop();
  await kas?.stop();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
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
