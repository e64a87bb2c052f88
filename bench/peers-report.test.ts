/** The peers tables: each tool's median run, ours/peer ratios, kubectl's missing prune row, and the aims. */
import { peersReport, type PeerMeasurement, type PeerStep, type Tool } from "./peers-report";

const m = (tool: Tool, step: PeerStep, wallMs: number, requests: number, rep = 1): PeerMeasurement => ({
  mix: "configmaps",
  size: 100,
  step,
  tool,
  rep,
  wallMs,
  writes: 1,
  requests,
  requestsBy: {},
  serverCpuS: 0.1,
  toolCpuS: 0.2,
  toolRssKiB: 2048,
  detail: "",
});
const method = { sizes: [100], mixes: ["configmaps" as const], reps: { 100: 3 }, replicas: 0, quiet: "" };

test("a row shows each tool's median run and ours/peer ratios; the aims count rows won", () => {
  const r = peersReport(
    [m("agentk", "first apply", 300, 10, 1), m("agentk", "first apply", 100, 10, 2), m("agentk", "first apply", 200, 10, 3), m("kubectl", "first apply", 400, 10), m("cli-utils", "first apply", 800, 20), m("flux-ssa", "first apply", 500, 30)],
    method,
  );
  expect(r.tables[0]!.rows).toEqual([["ConfigMaps", "100", "first apply", "200 ms", "400 ms", "800 ms", "500 ms", "0.50", "0.25", "0.40"]]);
  expect(r.tables[1]!.rows[0]!.slice(3)).toEqual(["1 / 1 / 1 / 1", "10 / 10 / 20 / 30", "0.50", "0.33"]);
  expect(r.aims.map((a) => [a.measured, a.met])).toEqual([["1 of 1", true], ["1 of 1", true]]);
});

test("a row a peer wins is named in the notes and fails the aim; kubectl's missing prune shows as '-'", () => {
  const r = peersReport([m("agentk", "prune of half", 220, 100), m("cli-utils", "prune of half", 380, 210), m("flux-ssa", "prune of half", 210, 90)], method);
  expect(r.tables[0]!.rows[0]).toEqual(["ConfigMaps", "100", "prune of half", "220 ms", "-", "380 ms", "210 ms", "-", "0.58", "1.05"]);
  expect(r.aims.map((a) => a.met)).toEqual([false, false]);
  expect(r.notes.join("\n")).toContain("as fast or faster: ConfigMaps 100 prune of half (flux-ssa)");
  expect(r.notes.join("\n")).toContain("fewer requests: ConfigMaps 100 prune of half (flux-ssa)");
});
