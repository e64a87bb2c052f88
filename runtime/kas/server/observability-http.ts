import type { Metrics } from "../../common";
import type { HttpHandler } from "./http-listen";

/**
 * The `listen.observability` listener: /metrics, /liveness, /readiness, for
 * the kubelet and Prometheus. Agent names and project ids appear only as
 * labels of counts and timestamps (never tokens or content), so it needs no
 * credential; the agents API and the webhook live on
 * their own listeners.
 */
export function observabilityHandler(opts: { readonly metrics: Metrics; readonly ready: () => boolean }): HttpHandler {
  const text = (status: number, body: string, type = "text/plain") => ({ status, type, body });
  return async (req, path) => {
    if (req.method !== "GET" && req.method !== "HEAD") return undefined;
    if (path === "/metrics") return text(200, await opts.metrics.render(), opts.metrics.contentType);
    if (path === "/liveness") return text(200, "ok\n");
    if (path === "/readiness") return opts.ready() ? text(200, "ok\n") : text(503, "not ready\n");
    return undefined;
  };
}
