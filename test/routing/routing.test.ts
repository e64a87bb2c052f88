/**
 * Issue 20 item 2: a tunnel request arriving at replica B for an agent
 * connected to replica A goes to A over the private API. Real kas replicas,
 * a real agentk tunnel pool, real gRPC and HTTP on loopback; the agent's
 * apiserver is a loopback stand-in (a list, a watch, an upgrade that echoes,
 * a sink that never reads), so what reaches it and when it is cancelled shows.
 */
import * as http from "node:http";
import * as net from "node:net";
import type { Duplex } from "node:stream";
import { AgentTunnel, TunnelUnavailableError } from "../../runtime/kas/tunnel";
import { until } from "../until";
import { startTwoReplicas, SECRET, type TwoReplicas } from "./harness";

let r: TwoReplicas;
const watches = { open: 0, closed: 0 };
const endless = { written: 0, closed: 0 };
const sink: { arrived: number; closed: number; req?: http.IncomingMessage } = { arrived: 0, closed: 0 };

const apiserver = http.createServer((req, res) => {
  if (req.url?.startsWith("/sink")) {
    // Never reads the body, never answers: only the request's end shows.
    req.pause();
    sink.arrived++;
    sink.req = req;
    req.once("close", () => sink.closed++);
    return;
  }
  if (req.url === "/endless") {
    // Writes as fast as it is read, forever: what it managed to write shows what is held in between.
    const chunk = Buffer.alloc(64 * 1024, 1);
    res.writeHead(200);
    const pump = (): void => {
      while (!res.destroyed) {
        endless.written += chunk.length;
        if (!res.write(chunk)) return void res.once("drain", pump);
      }
    };
    res.on("close", () => endless.closed++);
    return pump();
  }
  if (req.url === "/api/v1/namespaces/dude/configmaps") {
    return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ kind: "ConfigMapList", items: [{ metadata: { name: "hello" } }] }));
  }
  if (req.url === "/api/v1/namespaces/dude/configmaps?watch=1") {
    watches.open++;
    res.writeHead(200, { "content-type": "application/json" });
    let n = 0;
    const timer = setInterval(() => res.write(JSON.stringify({ type: "ADDED", object: { kind: "ConfigMap", metadata: { name: `cm-${n++}` } } }) + "\n"), 50);
    res.on("close", () => {
      clearInterval(timer);
      watches.closed++;
    });
    return;
  }
  res.writeHead(404).end();
});
apiserver.on("upgrade", (_req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
  socket.write("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n");
  if (head.length > 0) socket.write(head);
  socket.pipe(socket);
});

beforeAll(async () => {
  r = await startTwoReplicas(apiserver);
}, 60_000);
afterAll(async () => {
  await r?.stop();
});

const metric = async (kas: TwoReplicas["a"], line: string): Promise<number> => {
  const text = await (await fetch(`${kas.httpUrl}/metrics`)).text();
  const m = new RegExp(`^${line.replace(/[{}"]/g, (c) => `\\${c}`)} (\\d+)$`, "m").exec(text);
  return Number(m?.[1] ?? 0);
};
const noneInUse = (): Promise<true> => until("no tunnel in use on A", async () => (r.a.kas.tunnels.counts("1").inUse === 0 ? true : undefined), 10_000);

test("a kubectl-like GET at B reaches the agent connected to A, and is counted on both", async () => {
  expect(r.b.kas.tunnels.counts("1").idle).toBe(0);
  const res = await fetch(`${r.proxyUrl}/api/v1/namespaces/dude/configmaps`, { headers: { authorization: r.authorization() } });
  expect([res.status, await res.json()]).toEqual([200, { kind: "ConfigMapList", items: [{ metadata: { name: "hello" } }] }]);
  expect(await metric(r.b, 'kas_tunnel_forwards_total{result="ok"}')).toBeGreaterThanOrEqual(1);
  expect(await metric(r.a, 'kas_private_api_forwards_served_total{result="ok"}')).toBeGreaterThanOrEqual(1);
  await noneInUse();
});

test("on A, where the agent is connected, its own tunnels serve: the store is not asked, nothing is forwarded", async () => {
  r.where.set("1", ["grpc://127.0.0.1:1"]);
  const asked = r.asked.length;
  try {
    const tunnel = await r.a.kas.routedTunnels.acquire("1");
    expect(tunnel).toBeInstanceOf(AgentTunnel);
    tunnel.cancel("not used");
    expect(r.asked.length).toBe(asked);
    expect(await metric(r.a, 'kas_tunnel_forwards_total{result="ok"}')).toBe(0);
    expect(await metric(r.a, 'kas_tunnel_forwards_total{result="unreachable"}')).toBe(0);
  } finally {
    r.where.set("1", [r.a.privateApiUrl as string]);
  }
  await noneInUse();
});

test("a remote tunnel has the capabilities the agent registered on A (what the proxy checks for impersonation and previews)", async () => {
  const tunnel = await r.b.kas.routedTunnels.acquire("1");
  expect(tunnel.capabilities).toEqual(["http", "upgrade"]);
  expect(r.a.kas.tunnels.counts("1").inUse).toBe(1);
  tunnel.cancel("not used");
  await noneInUse();
});

test("a watch streams through B; B's caller going away cancels the request on A, at the agent and at its apiserver", async () => {
  const before = { ...watches };
  const gone = new AbortController();
  const res = await fetch(`${r.proxyUrl}/api/v1/namespaces/dude/configmaps?watch=1`, { headers: { authorization: r.authorization() }, signal: gone.signal });
  expect(res.status).toBe(200);
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  let text = "";
  while (text.split("\n").length < 4) text += Buffer.from((await reader.read()).value ?? []).toString();
  expect(text.split("\n").slice(0, 3).map((l) => (JSON.parse(l) as { object: { metadata: { name: string } } }).object.metadata.name)).toEqual(["cm-0", "cm-1", "cm-2"]);
  expect(watches.open).toBe(before.open + 1);
  gone.abort();
  await until("the apiserver's watch closed", async () => (watches.closed === before.closed + 1 ? true : undefined), 10_000);
  await noneInUse();
});

test("an exec/port-forward style upgrade through B: 101, then bytes both ways through A and the agent", async () => {
  const url = new URL(r.proxyUrl);
  const socket = net.connect(Number(url.port), url.hostname);
  await new Promise((resolve) => socket.once("connect", resolve));
  socket.write(`GET /api/v1/namespaces/dude/pods/p/exec?command=sh HTTP/1.1\r\nHost: kas\r\nConnection: Upgrade\r\nUpgrade: echo\r\nAuthorization: ${r.authorization()}\r\n\r\n`);
  let got = Buffer.alloc(0);
  socket.on("data", (c: Buffer) => (got = Buffer.concat([got, c])));
  await until("101", async () => (got.includes("\r\n\r\n") ? true : undefined), 10_000);
  const head = got.subarray(0, got.indexOf("\r\n\r\n")).toString();
  expect(head).toMatch(/^HTTP\/1.1 101 Switching Protocols\r\n/);
  got = got.subarray(got.indexOf("\r\n\r\n") + 4);
  socket.write("ping");
  await until("ping echoed", async () => (got.toString() === "ping" ? true : undefined), 10_000);
  socket.write(Buffer.alloc(300_000, 7));
  await until("300 kB echoed", async () => (got.length === 4 + 300_000 ? true : undefined), 10_000);
  socket.destroy();
  await noneInUse();
});

test("an agent connected to no replica: 503 saying so", async () => {
  const res = await fetch(`${r.proxyUrl}/api/v1/namespaces/dude/configmaps`, { headers: { authorization: r.authorization("8") } });
  expect(res.status).toBe(503);
  expect(await res.json()).toMatchObject({ kind: "Status", reason: "ServiceUnavailable", message: "kas: agent 8 is not connected to any kas replica" });
  r.where.set("8", ["grpc://127.0.0.1:1", r.a.privateApiUrl as string]);
  const stale = await fetch(`${r.proxyUrl}/api/v1/namespaces/dude/configmaps`, { headers: { authorization: r.authorization("8") } });
  expect([stale.status, ((await stale.json()) as { message: string }).message]).toEqual([503, "kas: agent 8 is not connected to any kas replica (2 other replicas tried)"]);
});

test("a replica with another secret is refused by A: counted there, 503 naming the secret file at the caller, the secret never logged", async () => {
  const before = await metric(r.a, "kas_private_api_refused_total");
  const c = await r.replica("not-the-replicas-secret");
  try {
    const res = await fetch(`${c.proxyUrl}/api/v1/namespaces/dude/configmaps`, { headers: { authorization: r.authorization() } });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { message: string }).message).toBe(
      "kas: agent 1 is not connected to any kas replica that accepts this one (1 other replica tried; 1 refused its private API token: every replica needs the same private_api.listen.authentication_secret_file)",
    );
    expect(await metric(r.a, "kas_private_api_refused_total")).toBe(before + 1);
    expect([...r.a.logs, ...c.kas.logs].join("")).not.toContain(SECRET);
    expect(c.kas.logs.join("")).not.toContain("not-the-replicas-secret");
  } finally {
    await c.close();
  }
});

test("a never-ending request body into an apiserver that never reads: bounded in flight across both replicas; the caller going away ends it at the apiserver", async () => {
  let produced = 0;
  const gone = new AbortController();
  async function* endless(): AsyncGenerator<Buffer> {
    for (;;) {
      produced += 64 * 1024;
      yield Buffer.alloc(64 * 1024, 1);
    }
  }
  const tunnel = await r.b.kas.routedTunnels.acquire("1");
  const answer = tunnel.request({ method: "POST", path: "/sink", headers: [], identity: null }, endless(), gone.signal).catch((e: unknown) => e);
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const at2s = produced;
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  console.log(`a body nobody reads: ${(produced / 1024 / 1024).toFixed(1)} MiB taken from the caller in 4 s`);
  expect(produced).toBe(at2s);
  expect(produced).toBeLessThan(32 * 1024 * 1024);
  expect(sink.arrived).toBe(1);
  const closed = sink.closed;
  // Reading again: a cancel now reaches agentk. (While nothing is read, the cancel waits behind the
  // data kas has written and agentk does not take: a known gap of the tunnel itself, one replica or two.)
  sink.req?.resume();
  gone.abort();
  expect(await answer).toBeInstanceOf(Error);
  await until("agentk: no request open", async () => (r.pool.pool.stats.open === 0 ? true : undefined), 10_000, () => JSON.stringify(r.pool.pool.stats));
  await until("the apiserver's request ended", async () => (sink.closed > closed ? true : undefined), 10_000, () => `${JSON.stringify(sink)}\n${r.pool.logs.slice(-10).join("")}`);
  await noneInUse();
}, 30_000);

test("an endless answer nobody reads at B: bounded in flight across both replicas; B's reader breaking off ends it at the apiserver", async () => {
  const tunnel = await r.b.kas.routedTunnels.acquire("1");
  const res = await tunnel.request({ method: "GET", path: "/endless", headers: [], identity: null });
  const it = res.body[Symbol.asyncIterator]();
  await it.next();
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const at2s = endless.written;
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  console.log(`an answer nobody reads: the apiserver wrote ${(endless.written / 1024 / 1024).toFixed(1)} MiB in 4 s`);
  expect(endless.written).toBe(at2s);
  expect(endless.written).toBeLessThan(32 * 1024 * 1024);
  await it.return?.();
  await until("the apiserver's answer ended", async () => (endless.closed === 1 ? true : undefined), 10_000);
  await noneInUse();
}, 30_000);

test("the agent going away mid-watch ends B's response; later requests say it is connected nowhere", async () => {
  const res = await fetch(`${r.proxyUrl}/api/v1/namespaces/dude/configmaps?watch=1`, { headers: { authorization: r.authorization() } });
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  await reader.read();
  await r.pool.stop();
  await expect((async () => {
    for (;;) if ((await reader.read()).done) return "ended";
  })()).resolves.toBe("ended");
  r.where.set("1", [r.a.privateApiUrl as string]);
  const err = await r.b.kas.routedTunnels.acquire("1", { timeoutMs: 500 }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(TunnelUnavailableError);
  expect((err as Error).message).toMatch(/^agent 1 (is not connected to any kas replica \(1 other replica tried\)|has no connected tunnel)/);
}, 30_000);
