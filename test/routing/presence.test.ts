/**
 * Routing between kas replicas by the presence they write to a real Redis
 * (issue 20: "a tunnel request to any replica reaches any agent"), with no
 * test locator: agent 1's tunnels are on replica A; a request at replica B is
 * forwarded to A because A said so in Redis; once the agent is gone, B says
 * it is connected nowhere.
 */
import * as http from "node:http";
import { until } from "../until";
import { startTwoReplicas, type TwoReplicas } from "./harness";

let r: TwoReplicas;
const apiserver = http.createServer((_req, res) => {
  res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ kind: "ConfigMapList", items: [{ metadata: { name: "hello" } }] }));
});

beforeAll(async () => {
  r = await startTwoReplicas(apiserver, 2, "redis");
}, 60_000);
afterAll(async () => {
  await r?.stop();
});

test("GIVEN agent 1's tunnels on A WHEN a CI request for it reaches B THEN B finds A in Redis and the answer comes from the agent's apiserver", async () => {
  expect(r.b.kas.tunnels.counts("1").idle).toBe(0);
  // B learns from Redis that A holds the agent's tunnels; A lists no other replica (it holds them itself).
  await until("B sees A in the presence", async () => ((await r.b.kas.shared.replicasOf("1")).includes(r.a.privateApiUrl as string) ? true : undefined), 15_000);
  expect(await r.b.kas.shared.replicasOf("1")).toEqual([r.a.privateApiUrl]);
  expect(await r.a.kas.shared.replicasOf("1")).toEqual([]);
  const answer = await until(
    "B routes to A",
    async () => {
      const res = await fetch(`${r.proxyUrl}/api/v1/namespaces/dude/configmaps`, { headers: { authorization: r.authorization() } });
      return res.status === 200 ? ((await res.json()) as unknown) : undefined;
    },
    15_000,
  );
  expect(answer).toEqual({ kind: "ConfigMapList", items: [{ metadata: { name: "hello" } }] });
  expect(r.asked).toEqual([]); // the test's locator was never asked: Redis answered
}, 60_000);

test("GIVEN the agent goes away WHEN a request reaches B THEN 503: connected to no replica", async () => {
  await r.pool.stop();
  const status = await until(
    "B sees the agent gone",
    async () => {
      const res = await fetch(`${r.proxyUrl}/api/v1/namespaces/dude/configmaps`, { headers: { authorization: r.authorization() } });
      const body = await res.text();
      return res.status === 503 && body.includes("not connected to any kas replica") ? res.status : undefined;
    },
    45_000,
  );
  expect(status).toBe(503);
}, 60_000);
