/**
 * kas's memory with N concurrent `logs -f` streams through the tunnel (each
 * on its own TLS connection, as N kubectl processes would hold them) while
 * KWOK's kubelet serves lines appended to every fake container's log: kas's
 * RSS and V8 heap before, while the streams are open and lines flow, and
 * after they close.
 */
import type { ClientRequest } from "node:http";
import * as https from "node:https";
import { metric, type KubeApiEnv } from "../lib/kubeapi-env";
import { cpuSeconds, memoryOf, sampleRss } from "../lib/proc";
import { sleep } from "../lib/stats";

export interface MemoryPoint {
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  readonly tunnelsInUse: number;
}

export interface LogsMemory {
  readonly streams: number;
  readonly opened: number;
  readonly openMs: number;
  readonly before: MemoryPoint;
  readonly during: MemoryPoint & { readonly peakRssBytes: number; readonly kasCpuS: number; readonly windowMs: number };
  readonly after: MemoryPoint;
  readonly agentkRssBytes: { readonly before: number[]; readonly during: number[]; readonly after: number[] };
  /** Log lines appended during the window, and how many each stream received (min, max). */
  readonly linesWritten: number;
  readonly linesPerStream: readonly [number, number];
  readonly bytesReceived: number;
  readonly errors: readonly string[];
}

const LINE = "x".repeat(100);

async function point(env: KubeApiEnv): Promise<MemoryPoint> {
  return {
    rssBytes: memoryOf(env.kasPid).rss,
    heapUsedBytes: await metric(env.kasMetricsUrl, "nodejs_heap_used_bytes"),
    tunnelsInUse: await metric(env.kasMetricsUrl, "kas_agent_tunnels_in_use"),
  };
}

export async function logsMemory(env: KubeApiEnv, opts: { streams: number; pod: string; ns: string; windowMs: number; linesPerTick: number; tickMs: number; log: (l: string) => void }): Promise<LogsMemory> {
  const agentkRss = () => env.agentkPids.map((p) => memoryOf(p).rss);
  await sleep(3000);
  const before = await point(env);
  const agentkBefore = agentkRss();
  const errors: string[] = [];
  const received = Array.from({ length: opts.streams }, () => ({ lines: 0, bytes: 0, counting: false }));
  const requests: ClientRequest[] = [];
  const t0 = performance.now();
  let opened = 0;
  let closing = false;
  const openOne = (i: number): Promise<void> =>
    new Promise((resolve) => {
      const r = received[i] as { lines: number; bytes: number; counting: boolean };
      const req = https.request(new URL(`/api/v1/namespaces/${opts.ns}/pods/${opts.pod}/log?follow=true`, env.tunnel.server), {
        agent: false,
        ca: env.tunnel.ca,
        headers: { authorization: `Bearer ${env.tunnel.bearer}` },
      });
      req.on("response", (res) => {
        if (res.statusCode !== 200) errors.push(`stream ${i}: HTTP ${res.statusCode}`);
        else opened++;
        res.on("data", (c: Buffer) => {
          if (!r.counting) return;
          r.bytes += c.length;
          for (let k = c.indexOf(10); k >= 0; k = c.indexOf(10, k + 1)) r.lines++;
        });
        res.on("error", () => undefined);
        resolve();
      });
      req.on("error", (err) => {
        if (!closing) errors.push(`stream ${i}: ${err.message}`);
        resolve();
      });
      req.end();
      requests.push(req);
    });
  try {
    // Ten at a time: kas hands each an idle tunnel, and agentk opens a new one for each taken.
    for (let i = 0; i < opts.streams; i += 10) await Promise.all(Array.from({ length: Math.min(10, opts.streams - i) }, (_, k) => openOne(i + k)));
    const openMs = performance.now() - t0;
    opts.log(`kubeapi: ${opened}/${opts.streams} log streams open in ${Math.round(openMs)} ms${errors.length ? `; ${errors.slice(0, 3).join("; ")}` : ""}`);
    await sleep(2000);
    for (const r of received) r.counting = true;
    const sampler = sampleRss(env.kasPid, 100);
    const cpu0 = cpuSeconds(env.kasPid);
    const w0 = performance.now();
    let linesWritten = 0;
    while (performance.now() - w0 < opts.windowMs) {
      env.cluster.appendPodLog(...Array.from({ length: opts.linesPerTick }, (_, k) => `${linesWritten + k} ${LINE}`));
      linesWritten += opts.linesPerTick;
      await sleep(opts.tickMs);
    }
    await sleep(1000);
    const during = { ...(await point(env)), peakRssBytes: sampler.stop(), kasCpuS: cpuSeconds(env.kasPid) - cpu0, windowMs: performance.now() - w0 };
    const agentkDuring = agentkRss();
    const lines = received.map((r) => r.lines);
    closing = true;
    for (const req of requests) req.destroy();
    const deadline = Date.now() + 30_000;
    while ((await metric(env.kasMetricsUrl, "kas_agent_tunnels_in_use")) > 0 && Date.now() < deadline) await sleep(200);
    await sleep(5000);
    const after = await point(env);
    return {
      streams: opts.streams,
      opened,
      openMs,
      before,
      during,
      after,
      agentkRssBytes: { before: agentkBefore, during: agentkDuring, after: agentkRss() },
      linesWritten,
      linesPerStream: [Math.min(...lines), Math.max(...lines)],
      bytesReceived: received.reduce((n, r) => n + r.bytes, 0),
      errors,
    };
  } finally {
    closing = true;
    for (const req of requests) req.destroy();
  }
}
