/**
 * The private API over TLS (kas.yaml private_api.listen.certificate_file and
 * key_file, ca_certificate_file; own_url grpcs://): two replicas on loopback
 * with a test CA route a request from B to the agent on A through TLS; a
 * plain gRPC client, a TLS client that does not trust the CA, and a replica
 * whose own private API is plain are refused before any call reaches A.
 */
import { mkdtempSync, rmSync } from "node:fs";
import * as http from "node:http";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { createPrivateTunnelClient } from "../../runtime/rpc";
import { privateApiMetadata } from "../../runtime/kas/routing";
import { makeTestPki, type TestPki } from "../tls";
import { until } from "../until";
import { acquire, exchange } from "./forward-calls";
import { SECRET, startTwoReplicas, type TwoReplicas } from "./harness";

const standIn = (): http.Server => http.createServer((_req, res) => void res.writeHead(200, { "content-type": "application/json" }).end('{"kind":"ConfigMapList","items":[]}'));
let dir: string;
let pki: TestPki;
let r: TwoReplicas;
let target: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "private-api-tls-"));
  pki = makeTestPki(dir);
  r = await startTwoReplicas(standIn(), 2, "redis", pki);
  target = (r.a.privateApiUrl as string).replace("grpcs://", "");
}, 60_000);
afterAll(async () => {
  await r?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const served = async (): Promise<number> => Number(/kas_private_api_forwards_served_total\{result="ok"\} (\d+)/.exec(await r.a.kas.metrics.render())?.[1] ?? 0);

test("GIVEN both replicas serve TLS THEN A's own URL is grpcs:// and a request at B reaches the agent on A through it", async () => {
  expect(r.a.privateApiUrl).toMatch(/^grpcs:\/\/127\.0\.0\.1:\d+$/);
  const res = await until(
    "B routes to A over TLS",
    async () => {
      const got = await fetch(`${r.proxyUrl}/api/v1/namespaces/dude/configmaps`, { headers: { authorization: r.authorization() } });
      return got.status === 200 ? got.json() : undefined;
    },
    20_000,
  );
  expect(res).toEqual({ kind: "ConfigMapList", items: [] });
  expect(await served()).toBeGreaterThanOrEqual(1);
  expect(await r.b.kas.metrics.render()).toMatch(/^kas_tunnel_forwards_total\{result="ok"\} [1-9]/m);
}, 60_000);

test.each<[string, () => grpc.ChannelCredentials]>([
  ["a plain gRPC client", () => grpc.credentials.createInsecure()],
  ["a TLS client that does not trust the replicas' CA", () => grpc.credentials.createSsl()],
])("%s, even with a valid token: UNAVAILABLE, nothing served", async (_what, credentials) => {
  const before = await served();
  const client = createPrivateTunnelClient(target, credentials(), { "grpc.initial_reconnect_backoff_ms": 100 });
  try {
    const res = await exchange(client, privateApiMetadata(Buffer.from(SECRET)), [acquire("1", 1_000)]);
    expect(res.code).toBe(grpc.status.UNAVAILABLE);
    expect(res.got).toEqual([]);
  } finally {
    client.close();
  }
  expect(await served()).toBe(before);
});

test("GIVEN a replica whose private API is plain THEN A (TLS) refuses its calls: its request for the agent on A is 503, connected to no replica it can reach", async () => {
  const plain = await r.replica(SECRET);
  try {
    const res = await fetch(`${plain.proxyUrl}/api/v1/namespaces/dude/configmaps`, { headers: { authorization: r.authorization() } });
    expect(res.status).toBe(503);
    expect(await res.text()).toContain("agent 1 is not connected to any kas replica (1 other replica tried)");
    expect(await plain.kas.kas.metrics.render()).toMatch(/^kas_tunnel_forwards_total\{result="unreachable"\} 1$/m);
  } finally {
    await plain.close();
  }
}, 60_000);

describe("certificates naming a service, not the pod IP in own_url", () => {
  let named: TwoReplicas;
  let namedPki: TestPki;
  beforeAll(async () => {
    namedPki = makeTestPki(mkdtempSync(path.join(dir, "named-")), "DNS:kas-private.gitlab-agent.svc");
    named = await startTwoReplicas(standIn(), 2, "redis", { ...namedPki, serverName: "kas-private.gitlab-agent.svc" });
  }, 60_000);
  afterAll(() => named?.stop());

  test("GIVEN server_name THEN B checks A's certificate for that name and routes", async () => {
    const status = await until("B routes to A", async () => {
      const res = await fetch(`${named.proxyUrl}/api/v1/namespaces/dude/configmaps`, { headers: { authorization: named.authorization() } });
      return res.status === 200 ? res.status : undefined;
    }, 20_000);
    expect(status).toBe(200);
  }, 60_000);

  test("GIVEN a replica without server_name THEN A's certificate does not name 127.0.0.1: unreachable, 503", async () => {
    const other = await named.replica(SECRET, namedPki);
    try {
      const res = await fetch(`${other.proxyUrl}/api/v1/namespaces/dude/configmaps`, { headers: { authorization: named.authorization() } });
      expect(res.status).toBe(503);
      expect(await other.kas.kas.metrics.render()).toMatch(/^kas_tunnel_forwards_total\{result="unreachable"\} 1$/m);
    } finally {
      await other.close();
    }
  }, 60_000);
});
