/**
 * What kas keeps of a response it relays: chunks the caller has read must be
 * garbage once read, however long the request lasts (a `logs -f` runs for
 * hours). The agent's "apiserver" is a loopback HTTP server streaming a large
 * body, so the test needs no cluster. Collection is checked with WeakRefs and
 * a forced GC (V8's flag set at run time).
 */
import * as http from "node:http";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { TestKas } from "../kas";
import { getHead, startLoopbackAgent, type LoopbackAgent } from "./harness";

const BODY_BYTES = 24 * 1024 * 1024;
const WRITE_BYTES = 64 * 1024;

let kas: TestKas;
let agent: LoopbackAgent | undefined;
let server: http.Server;

beforeAll(async () => {
  server = http.createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/octet-stream" });
    let sent = 0;
    const more = (): void => {
      while (sent < BODY_BYTES) {
        sent += WRITE_BYTES;
        if (!res.write(Buffer.alloc(WRITE_BYTES, sent & 0xff))) return void res.once("drain", more);
      }
      res.end();
    };
    more();
  });
  ({ kas } = agent = await startLoopbackAgent(server, 1));
}, 60_000);

afterAll(async () => {
  await agent?.stop();
});

test("chunks of a long response are not kept by kas once the caller has read them", async () => {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  const tunnel = await kas.kas.tunnels.acquire("1");
  const res = await tunnel.request(getHead("/stream"));
  const read: WeakRef<Buffer>[] = [];
  let bytes = 0;
  let alive = -1;
  for await (const chunk of res.body) {
    bytes += chunk.length;
    read.push(new WeakRef(chunk));
    // Mid-body, the request still open: what was read more than 64 chunks ago should be gone.
    if (alive < 0 && bytes >= BODY_BYTES / 2) {
      await new Promise((r) => setImmediate(r));
      gc();
      alive = read.slice(0, -64).filter((w) => w.deref() !== undefined).length;
      console.log(`after ${bytes} bytes in ${read.length} chunks: ${alive} of the ${read.length - 64} older chunks still reachable`);
    }
  }
  expect(bytes).toBe(BODY_BYTES);
  expect(read.length).toBeGreaterThan(256);
  expect(alive).toBeGreaterThanOrEqual(0);
  expect(alive).toBeLessThan((read.length - 64) / 10);
}, 60_000);
