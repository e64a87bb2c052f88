/**
 * The private API's door, over real gRPC on loopback: calls not from a replica
 * are refused UNAUTHENTICATED and counted (the secret never logged); a peer
 * with the secret sending garbage, oversized or silent calls is ended, and a
 * loop of them (from another process) leaves kas's memory where it was; an agent connected nowhere
 * is "not connected to any kas replica", whatever stale replicas the store names.
 */
import { randomBytes } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import { createLogger, Metrics } from "../../common";
import { createPrivateTunnelClient, type ForwardRequest, type PrivateTunnelClient } from "../../rpc";
import { heldBytes } from "../../../test/kubeapi/raw-client";
import { runAttacker } from "../../../test/routing/attacker-process";
import { acquire, bearer, data, exchange as exchangeWith, type ForwardExchange } from "../../../test/routing/forward-calls";
import { signKasJwt } from "../registry";
import { TunnelRegistry, TunnelUnavailableError } from "../tunnel";
import { privateApiMetadata, startPrivateApi, type RunningPrivateApi } from "./index";

const SECRET = "the-replicas-shared-secret";
const logs: string[] = [];
const metrics = new Metrics();
let api: RunningPrivateApi;
let client: PrivateTunnelClient;
let stale: readonly string[] = [];

beforeAll(async () => {
  api = await startPrivateApi({
    address: "127.0.0.1:0",
    secret: SECRET,
    locator: { replicasOf: async () => stale },
    local: new TunnelRegistry({ maxIdlePerAgent: 4, maxRequestsPerAgent: 4 }, () => false),
    connectedHere: () => false,
    logger: createLogger({ level: "debug", write: (l) => void logs.push(l) }, { component: "kas" }),
    metrics,
    timeouts: { firstMessageMs: 300, requestHeadMs: 300, maxAcquireMs: 1_000 },
  });
  client = createPrivateTunnelClient(`127.0.0.1:${api.port}`, grpc.credentials.createInsecure(), { "grpc.max_send_message_length": 8 * 1024 * 1024 });
});
afterAll(async () => {
  client.close();
  await api.close();
});

const good = (): grpc.Metadata => privateApiMetadata(Buffer.from(SECRET));
const exchange = (md: grpc.Metadata, msgs: readonly ForwardRequest[], hold = false): Promise<ForwardExchange> => exchangeWith(client, md, msgs, hold);

test.each<[string, () => grpc.Metadata, string]>([
  ["no token", () => new grpc.Metadata(), "kas private API: no authorization metadata"],
  ["a token signed with another secret", () => bearer(signKasJwt(randomBytes(32), Date.now(), "gitlab-kas")), "kas private API: the token is not a replica's: bad signature"],
  ["an expired token", () => bearer(signKasJwt(Buffer.from(SECRET), Date.now() - 60_000, "gitlab-kas")), "kas private API: the token is not a replica's: expired"],
  ["a token for GitLab's API (another audience)", () => bearer(signKasJwt(Buffer.from(SECRET))), "kas private API: the token is not a replica's: bad aud"],
  ["the secret itself", () => bearer(SECRET), "kas private API: the token is not a replica's: malformed"],
])("refused UNAUTHENTICATED and counted: %s", async (_name, md, details) => {
  const before = await refusedCount();
  expect(await exchange(md(), [acquire("1")])).toEqual({ got: [], code: grpc.status.UNAUTHENTICATED, details });
  expect(await refusedCount()).toBe(before + 1);
  expect(logs.join("")).not.toContain(SECRET);
});

test.each<[string, readonly ForwardRequest[], boolean, grpc.status, string]>([
  ["data before acquire", [data(10)], false, grpc.status.INVALID_ARGUMENT, "kas private API: a call must start with acquire, got data"],
  ["an empty agent id", [acquire("")], false, grpc.status.INVALID_ARGUMENT, "kas private API: acquire.agent_id: expected 1 to 256 characters"],
  ["a silent call", [], true, grpc.status.DEADLINE_EXCEEDED, "kas private API: no acquire within 300 ms"],
  ["a 2 MiB message", [data(2 * 1024 * 1024)], true, grpc.status.RESOURCE_EXHAUSTED, ""],
])("a replica's garbage is ended: %s", async (_name, msgs, hold, code, details) => {
  const r = await exchange(good(), msgs, hold);
  expect(r.code).toBe(code);
  if (details) expect(r.details).toBe(details);
});

test("an agent not connected here: unavailable, not_connected, and the call ends OK", async () => {
  const r = await exchange(good(), [acquire("9")]);
  expect(r).toEqual({ got: [{ message: "unavailable", unavailable: { reason: "not_connected", message: "agent 9 is not connected" } }], code: grpc.status.OK, details: "OK" });
});

test("routing: stale and dead replicas are tried and skipped; the answer says the agent is connected to no replica", async () => {
  stale = ["grpc://127.0.0.1:1", "http://not-a-private-api", `grpc://127.0.0.1:${api.port}`];
  const err = await api.tunnels.acquire("9", { timeoutMs: 500 }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(TunnelUnavailableError);
  expect(err).toMatchObject({ reason: "not_connected", message: "agent 9 is not connected to any kas replica (3 other replicas tried)" });
  const text = await metrics.render();
  expect(text).toContain('kas_tunnel_forwards_total{result="unreachable"} 1');
  expect(text).toContain('kas_tunnel_forwards_total{result="stale"} 1');
  expect(text).toContain('kas_tunnel_forwards_total{result="not_connected"} 1');
});

test("400 garbage, oversized and refused calls from another process: kas's memory stays where it was", async () => {
  await attack(25);
  const before = heldBytes();
  await attack(100);
  const grown = heldBytes() - before;
  console.log(`400 bad calls: kas's heap and buffers grew by ${(grown / 1024 / 1024).toFixed(1)} MiB`);
  expect(grown).toBeLessThan(8 * 1024 * 1024);
}, 120_000);

/** test/routing/private-api-attacker.ts: `rounds` rounds of four bad calls. */
const attack = (rounds: number): Promise<void> => runAttacker(`127.0.0.1:${api.port}`, SECRET, rounds, "basic");

async function refusedCount(): Promise<number> {
  const m = /^kas_private_api_refused_total (\d+)$/m.exec(await metrics.render());
  return Number(m?.[1] ?? 0);
}
