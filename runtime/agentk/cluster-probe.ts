/**
 * Tells kas whether agentk reaches its apiserver (ReportClusterStatus), so
 * the console says "cluster unreachable" rather than "connected" when it does
 * not. Probes GET /version (any authenticated user may read it) every
 * `intervalMs`; reports when the answer changes and at least every
 * `refreshMs` (a kas that restarted learns it again). A kas that does not
 * know the RPC (UNIMPLEMENTED) is not asked again.
 */
import * as grpc from "@grpc/grpc-js";
import { F, type Logger } from "../common";
import type { ClusterStatusReport, StatusClient } from "../rpc";
import type { KubeClient } from "./kube";

export interface ClusterProbeOptions {
  readonly kube: Pick<KubeClient, "raw">;
  readonly status: Pick<StatusClient, "ReportClusterStatus">;
  readonly logger: Logger;
  readonly signal: AbortSignal;
  /** Default 15 s. */
  readonly intervalMs?: number;
  /** Default 60 s. */
  readonly refreshMs?: number;
}

const PROBE_TIMEOUT_MS = 10_000;

/** One probe: reachable when the apiserver answers /version with 2xx. */
export async function probeCluster(kube: Pick<KubeClient, "raw">, signal: AbortSignal): Promise<ClusterStatusReport> {
  try {
    const res = await kube.raw("GET", "/version", { signal: AbortSignal.any([signal, AbortSignal.timeout(PROBE_TIMEOUT_MS)]) });
    if (res.status >= 200 && res.status < 300) return { reachable: true, error: "" };
    return { reachable: false, error: `GET /version answered HTTP ${res.status}: ${res.body.slice(0, 200)}` };
  } catch (err) {
    return { reachable: false, error: err instanceof Error ? err.message : String(err) };
  }
}

/** Runs until `signal` aborts; resolves then. */
export async function runClusterProbe(opts: ClusterProbeOptions): Promise<void> {
  const interval = opts.intervalMs ?? 15_000;
  const refresh = opts.refreshMs ?? 60_000;
  let sent: { report: ClusterStatusReport; at: number } | undefined;
  while (!opts.signal.aborted) {
    const report = await probeCluster(opts.kube, opts.signal);
    if (opts.signal.aborted) return;
    const changed = !sent || sent.report.reachable !== report.reachable || sent.report.error !== report.error;
    if (changed && !report.reachable) opts.logger.warn("The apiserver is unreachable", { [F.error]: report.error });
    if (changed || Date.now() - (sent?.at ?? 0) >= refresh) {
      const code = await send(opts.status, report);
      if (code === grpc.status.UNIMPLEMENTED) return opts.logger.info("kas does not take cluster status reports (older kas): not sending them");
      sent = code === grpc.status.OK ? { report, at: Date.now() } : undefined;
    }
    await sleep(interval, opts.signal);
  }
}

function send(status: ClusterProbeOptions["status"], report: ClusterStatusReport): Promise<grpc.status> {
  return new Promise((resolve) => status.ReportClusterStatus(report, { deadline: Date.now() + 10_000 }, (err) => resolve(err ? err.code : grpc.status.OK)));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
