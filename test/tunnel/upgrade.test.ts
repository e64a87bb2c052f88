/**
 * An upgraded connection through the tunnel (what exec and port-forward use):
 * 101 Switching Protocols, then raw bytes both ways. The test cluster's fake
 * nodes serve no exec, so the agent's "apiserver" here is a loopback HTTP
 * server that upgrades and echoes; it also shows what reaches the apiserver.
 */
import * as http from "node:http";
import { PassThrough } from "node:stream";
import type { TestKas } from "../kas";
import { until } from "../until";
import { startLoopbackAgent, type LoopbackAgent, type TestPool } from "./harness";

let kas: TestKas;
let pool: TestPool;
let agent: LoopbackAgent | undefined;
let server: http.Server;
const seen: http.IncomingHttpHeaders[] = [];

beforeAll(async () => {
  server = http.createServer((_req, res) => res.writeHead(404).end());
  server.on("upgrade", (req: http.IncomingMessage, socket: import("node:net").Socket, head: Buffer) => {
    seen.push(req.headers);
    socket.write("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n");
    if (head.length > 0) socket.write(head);
    socket.pipe(socket);
  });
  ({ kas, pool } = agent = await startLoopbackAgent(server, 2, { authorization: "Bearer the-agents-own" }));
}, 60_000);

afterAll(async () => {
  await agent?.stop();
});

test("101 then bytes both ways; the apiserver sees the agent's credentials, not the caller's; ending the client side ends it all", async () => {
  const tunnel = await kas.kas.tunnels.acquire("1");
  const client = new PassThrough();
  const res = await tunnel.request(
    {
      method: "GET",
      path: "/api/v1/namespaces/dude/pods/p/exec?command=sh",
      headers: [
        { name: "connection", values: ["Upgrade"] },
        { name: "upgrade", values: ["echo"] },
        { name: "authorization", values: ["Bearer callers-token"] },
        { name: "impersonate-user", values: ["system:admin"] },
      ],
      identity: null,
    },
    client,
  );
  expect(res.head.status).toBe(101);
  expect(res.head.headers).toEqual(expect.arrayContaining([{ name: "upgrade", values: ["echo"] }]));
  expect(seen[0]).toMatchObject({ authorization: "Bearer the-agents-own", upgrade: "echo" });
  expect(seen[0]?.["impersonate-user"]).toBeUndefined();
  const it = res.body[Symbol.asyncIterator]();
  client.write("ping");
  expect((await it.next()).value?.toString()).toBe("ping");
  client.write(Buffer.alloc(200_000, 7));
  let echoed = 0;
  while (echoed < 200_000) echoed += ((await it.next()).value as Buffer).length;
  expect(echoed).toBe(200_000);
  client.end();
  expect((await it.next()).done).toBe(true);
  await until("nothing in use, agent idle again", async () => (kas.kas.tunnels.counts("1").inUse === 0 && pool.pool.stats.open === 0 && kas.kas.tunnels.counts("1").idle === 2 ? true : undefined), 10_000);
});
