/** The registry behind kas's and agentk's /metrics: prom-client, with the process metrics every client exposes. */
import { parseExposition, samples } from "../../test/metrics";
import { Metrics, registerProcessMetrics } from "./metrics";

test("process metrics: process_cpu_seconds_total is a counter, process_start_time_seconds is there, and the whole exposition is well-formed", async () => {
  const m = new Metrics();
  registerProcessMetrics(m);
  const f = parseExposition(await m.render());
  expect(f.get("process_cpu_seconds_total")?.type).toBe("counter");
  expect(f.get("process_start_time_seconds")?.type).toBe("gauge");
  const started = samples(f, "process_start_time_seconds")[0]?.value ?? 0;
  expect(started).toBeGreaterThan(Date.now() / 1000 - 3600);
  expect(started).toBeLessThanOrEqual(Date.now() / 1000);
  expect(samples(f, "process_resident_memory_bytes")[0]?.value).toBeGreaterThan(0);
  expect(samples(f, "nodejs_heap_used_bytes")[0]?.value).toBeGreaterThan(0);
});

test("a metric asked for twice is the same metric; asked for as another type, an error names it", async () => {
  const m = new Metrics();
  m.counter("x_total", "X", ["a"]).inc({ a: "1" });
  m.counter("x_total", "X", ["a"]).inc({ a: "1" }, 2);
  expect(samples(parseExposition(await m.render()), "x_total", { a: "1" })[0]?.value).toBe(3);
  expect(() => m.gauge("x_total", "X")).toThrow("metric x_total: already registered as another type");
});

test("two registries in one process do not share series (kas and agentk in one test process)", async () => {
  const a = new Metrics();
  const b = new Metrics();
  registerProcessMetrics(a);
  registerProcessMetrics(b);
  a.counter("only_a_total", "A").inc();
  expect(await b.render()).not.toContain("only_a_total");
  expect(parseExposition(await b.render()).get("process_cpu_seconds_total")?.type).toBe("counter");
});
