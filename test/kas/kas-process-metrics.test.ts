/**
 * A real kas process (bin/kas) serving a legitimate agent over gRPC: its
 * /metrics is a well-formed exposition with go-grpc-prometheus's server
 * counters, the agent's coming and going is logged, and every line kas
 * writes is JSON.
 */
import { startKasProcess, type KasProcess } from "../abuse/kas-process";
import { parseExposition, samples } from "../metrics";
import { until } from "../until";

let kas: KasProcess;
beforeAll(async () => {
  kas = await startKasProcess();
}, 120_000);
afterAll(async () => {
  await kas?.stop();
});

test("after an agent synced: TYPE lines as Prometheus wants them, gRPC server started/handled by method and code, connect and disconnect logged", async () => {
  await kas.legitimate("grpc");
  await until("a1's streams ended", async () => (kas.logs(/^Agent disconnected$/).length > 0 ? true : undefined), 10_000, () => kas.output().slice(-3000));
  const text = await (await fetch(`${kas.httpUrl}/metrics`)).text();
  const f = parseExposition(text);
  expect(f.get("process_cpu_seconds_total")?.type).toBe("counter");
  expect(f.get("process_start_time_seconds")?.type).toBe("gauge");
  for (const family of f.values()) if (family.type === "counter") expect(family.name).toMatch(/_total$/);
  const config = { grpc_type: "server_stream", grpc_service: "gitops.agent.v1.AgentConfigurationService", grpc_method: "GetConfiguration" };
  expect(samples(f, "grpc_server_started_total", config)[0]?.value).toBeGreaterThanOrEqual(1);
  // The client cancelled its stream once it had what it wanted: go-grpc-prometheus says Canceled too.
  expect(samples(f, "grpc_server_handled_total", config).map((s) => s.labels.grpc_code)).toContain("Canceled");
  expect(samples(f, "grpc_server_started_total", { grpc_method: "GetObjectsToSynchronize" })[0]?.value).toBeGreaterThanOrEqual(1);
  expect(f.get("kas_git_poll_errors_total")?.type).toBe("counter");
  expect(f.get("kas_git_fetch_errors_total")?.type).toBe("counter");

  const [connected] = kas.logs(/^Agent connected$/);
  expect(connected).toMatchObject({ level: "info", agent_id: expect.any(String), agent_name: "a1", peer: expect.stringMatching(/127\.0\.0\.1:\d+$/) });
  expect(kas.logs(/^Agent disconnected$/)[0]).toMatchObject({ level: "info", agent_name: "a1" });
  const notJson = kas
    .output()
    .split("\n")
    .filter((l) => l.trim() !== "" && !l.startsWith("{"));
  expect(notJson).toEqual([]);
});
