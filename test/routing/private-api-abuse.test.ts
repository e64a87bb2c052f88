/**
 * An attacker at kas's private API (kas-to-kas, 8157), on loopback, against
 * replica A of test/routing's pair (a real agentk tunnel pool connected to A,
 * a loopback apiserver): tokens that are not a replica's (other secret,
 * expired, replayed, without an id), bytes that are not HTTP/2 or not gRPC,
 * oversized messages and headers, a burst of concurrent calls, an agent that
 * is connected nowhere, a caller that never reads. Every loop is bounded;
 * after each, A still serves a replica's call, and 1000 bad calls from
 * another process leave A's memory where it was.
 */
import { randomBytes } from "node:crypto";
import * as http from "node:http";
import * as http2 from "node:http2";
import * as net from "node:net";
import * as grpc from "@grpc/grpc-js";
import { createPrivateTunnelClient, PRIVATE_TUNNEL_SERVICE, type ForwardRequest, type ForwardResponse, type PrivateTunnelClient } from "../../runtime/rpc";
import { createLogger, Metrics } from "../../runtime/common";
import { privateApiMetadata, startPrivateApi, type RunningPrivateApi } from "../../runtime/kas/routing";
import { TunnelRegistry } from "../../runtime/kas/tunnel";
import { signKasJwt } from "../../runtime/kas/registry";
import { heldBytes, MiB } from "../kubeapi/raw-client";
import { until } from "../until";
import { getHead } from "../tunnel/harness";
import { runAttacker } from "./attacker-process";
import { acquire as acquireFor, bearer, data, exchange as exchangeWith, type ForwardExchange } from "./forward-calls";
import { SECRET, startTwoReplicas, type TwoReplicas } from "./harness";

const endless = { written: 0, closed: 0 };
const apiserver = http.createServer((req, res) => {
  if (req.url !== "/endless") return void res.writeHead(200, { "content-type": "application/json" }).end("{}");
  const chunk = Buffer.alloc(64 * 1024, 1);
  res.writeHead(200);
  res.on("close", () => endless.closed++);
  const pump = (): void => {
    while (!res.destroyed) {
      endless.written += chunk.length;
      if (!res.write(chunk)) return void res.once("drain", pump);
    }
  };
  pump();
});

let r: TwoReplicas;
let client: PrivateTunnelClient;
let target: string;
/** A private API alone, closing idle connections after 1 s (kas's default: PRIVATE_API_IDLE_CONNECTION_MS). */
let lone: RunningPrivateApi;
beforeAll(async () => {
  r = await startTwoReplicas(apiserver, 2, "redis");
  target = (r.a.privateApiUrl as string).replace("grpc://", "");
  client = createPrivateTunnelClient(target, grpc.credentials.createInsecure(), { "grpc.max_send_message_length": 8 * MiB });
  const registry = new TunnelRegistry({ maxIdlePerAgent: 1, maxRequestsPerAgent: 1 }, () => false);
  const logger = createLogger({ level: "error" }, { component: "kas" });
  lone = await startPrivateApi({ address: "127.0.0.1:0", secret: SECRET, locator: { replicasOf: async () => [] }, local: registry, connectedHere: () => false, logger, metrics: new Metrics(), idleConnectionMs: 1_000 });
}, 60_000);
afterAll(async () => {
  client?.close();
  await lone?.close();
  await r?.stop();
});

const good = (): grpc.Metadata => privateApiMetadata(Buffer.from(SECRET));
const exchange = (md: grpc.Metadata, msgs: readonly ForwardRequest[]): Promise<ForwardExchange> => exchangeWith(client, md, msgs);
const acquire = (agentId: string): ForwardRequest => acquireFor(agentId, 200);
const metric = async (name: string): Promise<number> => Number(new RegExp(`^${name} (\\d+)$`, "m").exec(await r.a.kas.metrics.render())?.[1] ?? 0);
/** A's private API still serves a replica: an unknown agent is answered not_connected. */
const stillServes = async (): Promise<void> => expect((await exchange(good(), [acquire("77")])).got).toEqual([{ message: "unavailable", unavailable: { reason: "not_connected", message: "agent 77 is not connected" } }]);

test.each<[string, () => grpc.Metadata, string]>([
  ["signed with another secret", () => bearer(signKasJwt(randomBytes(32), Date.now(), "gitlab-kas", { jti: "x".repeat(22) })), "the token is not a replica's: bad signature"],
  ["expired (a token captured 40 s ago)", () => privateApiMetadata(Buffer.from(SECRET), Date.now() - 40_000), "the token is not a replica's: expired"],
  ["not valid yet (from a clock 60 s ahead)", () => privateApiMetadata(Buffer.from(SECRET), Date.now() + 60_000), "the token is not a replica's: not yet valid"],
  ["without an id (jti), so it could be replayed", () => bearer(signKasJwt(Buffer.from(SECRET), Date.now(), "gitlab-kas")), "the token is not a replica's: no jti"],
  ["64 KiB of token", () => bearer("x".repeat(64 * 1024)), "the token is longer than 1024 characters"],
])("a token %s: UNAUTHENTICATED, counted, said why", async (_what, md, why) => {
  const before = await metric("kas_private_api_refused_total");
  expect(await exchange(md(), [acquire("1")])).toEqual({ got: [], code: grpc.status.UNAUTHENTICATED, details: `kas private API: ${why}` });
  expect(await metric("kas_private_api_refused_total")).toBe(before + 1);
});

test("a replayed token: the first call is served, the same token again is refused as replayed", async () => {
  const md = good();
  expect((await exchange(md, [acquire("77")])).code).toBe(grpc.status.OK);
  expect(await exchange(md, [acquire("77")])).toEqual({ got: [], code: grpc.status.UNAUTHENTICATED, details: "kas private API: the token was already used (replayed)" });
});

test.each<[string, Buffer]>([
  ["random bytes", randomBytes(4096)],
  ["an HTTP/1.1 request", Buffer.from("GET / HTTP/1.1\r\nhost: kas\r\n\r\n")],
  ["the HTTP/2 preface, then a frame of garbage", Buffer.concat([Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]), Buffer.from([0, 0x40, 0, 0xff, 0xff, 0, 0, 0, 1]), randomBytes(16384)])],
  ["the preface, then HEADERS whose HPACK block is garbage", Buffer.concat([Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]), Buffer.from([0, 0, 64, 1, 5, 0, 0, 0, 1]), randomBytes(64)])],
])("%s: the private API closes the connection (at once, or once idle for its limit) and keeps serving", async (_what, bytes) => {
  for (const port of [Number(target.split(":")[1]), lone.port]) {
    const socket = net.connect(port, "127.0.0.1");
    const t0 = Date.now();
    const closed = new Promise<number>((resolve) => socket.on("close", () => resolve(Date.now() - t0)));
    socket.on("error", () => undefined);
    socket.on("data", () => undefined);
    socket.write(bytes);
    if (port === lone.port) expect(await Promise.race([closed, new Promise((res) => setTimeout(() => res("still open after 5 s"), 5_000))])).toBeLessThan(5_000);
    else socket.destroy(); // A (the default limit: a minute) is only asked to keep serving
  }
  await stillServes();
});

test("a 2 MiB message: RESOURCE_EXHAUSTED; a 256 KiB header: the stream refused; A keeps serving", async () => {
  const big = await exchange(good(), [acquire("77"), data(2 * MiB)]);
  expect([grpc.status.RESOURCE_EXHAUSTED, grpc.status.OK]).toContain(big.code);
  if (big.code === grpc.status.OK) expect(big.got[0]).toMatchObject({ message: "unavailable" }); // answered before the big one arrived
  const session = http2.connect(`http://${target}`);
  session.on("error", () => undefined);
  const stream = session.request({ ":method": "POST", ":path": `/${PRIVATE_TUNNEL_SERVICE}/Forward`, "content-type": "application/grpc", "x-filler": "y".repeat(256 * 1024) });
  stream.on("error", () => undefined);
  const status = await new Promise<string>((resolve) => {
    stream.on("response", (h) => resolve(`answered ${String(h[":status"])} grpc-status ${String(h["grpc-status"])}`));
    stream.on("close", () => resolve(`closed (rst ${stream.rstCode})`));
  });
  expect(status).not.toMatch(/grpc-status 0/);
  session.destroy();
  const direct = await exchange(good(), [acquire("77"), data(2 * MiB)]);
  expect(direct.code === grpc.status.RESOURCE_EXHAUSTED || direct.got[0]?.message === "unavailable").toBe(true);
  await stillServes();
});

test("1500 concurrent calls for an agent connected nowhere, on one connection: each answered not_connected, none lost, counted", async () => {
  const before = Number(/kas_private_api_forwards_served_total\{result="not_connected"\} (\d+)/.exec(await r.a.kas.metrics.render())?.[1] ?? 0);
  const answers = await Promise.all(Array.from({ length: 1500 }, () => exchange(good(), [acquire("404")])));
  expect(new Set(answers.map((a) => `${a.code} ${a.got[0]?.message === "unavailable" ? a.got[0].unavailable.message : "?"}`))).toEqual(new Set(["0 agent 404 is not connected"]));
  const after = Number(/kas_private_api_forwards_served_total\{result="not_connected"\} (\d+)/.exec(await r.a.kas.metrics.render())?.[1] ?? 0);
  expect(after - before).toBe(1500);
}, 60_000);

test("a caller that never reads an endless answer: what A and the agent hold stays bounded; the caller leaving ends it at the apiserver", async () => {
  const call = client.Forward(good());
  call.on("error", () => undefined);
  const acquired = new Promise<ForwardResponse>((resolve) => call.once("data", resolve));
  call.write({ message: "acquire", acquire: { agent_id: "1", timeout_ms: 5_000 } });
  expect((await acquired).message).toBe("acquired");
  call.pause(); // and never read again
  call.write({ message: "request_head", request_head: getHead("/endless") });
  call.write({ message: "end", end: {} });
  await until("the apiserver writing", async () => (endless.written > 0 ? true : undefined), 10_000);
  await new Promise((res) => setTimeout(res, 3_000));
  const held = endless.written;
  await new Promise((res) => setTimeout(res, 2_000));
  expect(endless.written - held).toBeLessThan(MiB); // stalled: nothing more is taken from the apiserver
  expect(held).toBeLessThan(32 * MiB);
  call.cancel();
  await until("the apiserver's response ended", async () => (endless.closed > 0 ? true : undefined), 15_000);
  await stillServes();
}, 60_000);

test("1000 bad calls from another process (bad tokens, replays, garbage frames, oversized, unknown agents): A's memory stays where it was", async () => {
  await runAttacker(target, SECRET, 25);
  const before = heldBytes();
  await runAttacker(target, SECRET, 125);
  const grown = heldBytes() - before;
  console.log(`1000 bad calls: A's heap and buffers grew by ${(grown / MiB).toFixed(1)} MiB`);
  expect(grown).toBeLessThan(8 * MiB);
  await stillServes();
}, 180_000);
