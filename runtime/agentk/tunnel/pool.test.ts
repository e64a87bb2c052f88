/**
 * agentk's tunnel pool against a real gRPC server that does not serve the
 * reverse tunnel service (an older kas): UNIMPLEMENTED is not a passing
 * failure, so the pool warns once and retries rarely instead of flooding the
 * log with a warning per slot per backoff step.
 */
import * as grpc from "@grpc/grpc-js";
import { createLogger } from "../../common";
import { createClients, type Clients } from "../../rpc";
import type { KubeClient } from "../kube";
import { startTunnelPool, type TunnelPoolOptions } from "./pool";

let server: grpc.Server;
let address: string;

beforeAll(async () => {
  server = new grpc.Server();
  const port = await new Promise<number>((resolve, reject) => server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  address = `127.0.0.1:${port}`;
});

afterAll(() => server.forceShutdown());

/** Clients counting the Connect calls they start. */
function countingClients(): { clients: Clients; connects: () => number } {
  let n = 0;
  const count: grpc.Interceptor = (options, next) => {
    n++;
    return new grpc.InterceptingCall(next(options));
  };
  return { clients: createClients(address, grpc.credentials.createInsecure(), { interceptors: [count] }), connects: () => n };
}

async function runPool(extra: Partial<TunnelPoolOptions>, ms: number): Promise<{ lines: Record<string, unknown>[]; connects: number }> {
  const { clients, connects } = countingClients();
  const lines: Record<string, unknown>[] = [];
  const stop = new AbortController();
  const pool = startTunnelPool({
    clients,
    // Never reached: no tunnel ever carries a request here.
    kube: {} as KubeClient,
    size: 4,
    logger: createLogger({ level: "debug", write: (l) => void lines.push(JSON.parse(l) as Record<string, unknown>) }),
    signal: stop.signal,
    backoff: { initialMs: 10, maxMs: 50 },
    ...extra,
  });
  await new Promise((r) => setTimeout(r, ms));
  stop.abort();
  await pool.done;
  clients.close();
  return { lines, connects: connects() };
}

const warnings = (lines: Record<string, unknown>[]) => lines.filter((l) => l.level === "warn" || l.level === "error");

test("UNIMPLEMENTED: one clear warning for the whole pool, then quiet; no retry before the long interval", async () => {
  const { lines, connects } = await runPool({}, 1500);
  expect(warnings(lines)).toEqual([
    expect.objectContaining({ level: "warn", msg: expect.stringContaining("kas does not serve the reverse tunnel") as unknown, grpc_code: "UNIMPLEMENTED", retry_in_ms: 300_000 }),
  ]);
  // One Connect per slot, then nothing within the 5-minute interval (the 10-50 ms backoff does not apply).
  expect(connects).toBe(4);
});

test("UNIMPLEMENTED: the pool keeps probing at the long interval, still without another warning", async () => {
  const { lines, connects } = await runPool({ unimplementedRetryMs: 200 }, 1500);
  expect(connects).toBeGreaterThan(8);
  // 4 slots × ~7 probes in 1.5 s at 200 ms, not ~4 × 40 at the 10-50 ms backoff.
  expect(connects).toBeLessThan(60);
  expect(warnings(lines)).toHaveLength(1);
  expect(lines.filter((l) => l.level === "debug" && l.grpc_code === "UNIMPLEMENTED").length).toBeGreaterThan(0);
});
