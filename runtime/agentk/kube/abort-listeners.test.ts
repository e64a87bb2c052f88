/**
 * One AbortSignal (a worker's, a drift watcher's) is shared by every request
 * it may cut short: more than 10 at once (concurrent applies, a watch per
 * resource and namespace) must not pile listeners on it, which Node reports
 * as a MaxListenersExceededWarning (seen in a jest worker), and aborting it
 * must still end each request.
 */
import { getEventListeners } from "node:events";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { KubeClient } from "./client";

let server: http.Server;
let client: KubeClient;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    // A watch: headers and a first event, then held open.
    if (req.url?.startsWith("/watch")) return void res.writeHead(200).write("{}\n");
    res.writeHead(200, { "content-type": "application/json" }).end("{}");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  client = KubeClient.fromAccess({ server: url, tls: { rejectUnauthorized: true }, headers: async () => ({}), source: "test" });
});

afterAll(async () => {
  client?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

test("12 watches open on one signal add no listener to it, and aborting it ends every one", async () => {
  const stop = new AbortController();
  const watches = await Promise.all(Array.from({ length: 12 }, (_, i) => client.open("GET", `/watch/${i}`, { signal: stop.signal, longLived: true })));
  const listeners = getEventListeners(stop.signal, "abort").length;
  // An aborted response errors (aborted): what the drift watcher's reader handles.
  const ended = watches.map((res) => new Promise<void>((resolve) => res.on("error", () => undefined).once("close", resolve)));
  stop.abort();
  await Promise.all(ended);
  expect(listeners).toBe(0);
});

test("30 requests at once and 200 one after another on one signal: no listener left on it, no MaxListenersExceededWarning", async () => {
  const warnings: Error[] = [];
  const onWarning = (w: Error): void => void warnings.push(w);
  process.on("warning", onWarning);
  try {
    const stop = new AbortController();
    const inFlight = Promise.all(Array.from({ length: 30 }, () => client.request("GET", "/api", { signal: stop.signal })));
    await new Promise((resolve) => setImmediate(resolve));
    const during = getEventListeners(stop.signal, "abort").length;
    await inFlight;
    expect(during).toBe(0);
    for (let i = 0; i < 200; i++) await client.request("GET", "/api", { signal: stop.signal });
    expect(getEventListeners(stop.signal, "abort")).toHaveLength(0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings.filter((w) => w.name === "MaxListenersExceededWarning")).toEqual([]);
  } finally {
    process.off("warning", onWarning);
  }
});
