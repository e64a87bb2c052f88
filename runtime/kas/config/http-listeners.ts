/**
 * kas's HTTP listeners, each with its own audience (issue 13 item 8):
 * `listen.observability` for probes and /metrics (the kubelet and Prometheus),
 * `listen.webhook` for GitLab's push webhook (authenticated by its secret), and
 * `listen.api` for the console and its agents API, which show agents, projects
 * and sync errors and so require `api.token_file` unless bound to loopback.
 * Kept apart from kas-config.ts so that file only calls in.
 */
import { formatPath, type Checker, type KeyPath } from "../../common/config-kit";
import { splitHostPort } from "./host-port";
import { address, durationMs, file, positiveInt, type KasReader } from "./values";

export interface HttpListeners {
  /** /metrics, /liveness, /readiness. */
  readonly observability?: string;
  /** POST /api/v1/webhooks/push. */
  readonly webhook?: string;
  /** The console at / and its JSON API (/api/v1/agents). */
  readonly api?: string;
}

/** `api:` in kas.yaml. */
export interface ApiConfig {
  /** File holding the bearer token callers of the agents API must present. */
  readonly tokenFile: string;
  readonly limits: ApiListenLimits;
}

/** What listen.api's clients may hold (kas.yaml `api:`, the defaults without it). */
export interface ApiListenLimits {
  /** Connections open at once; more are closed as they come, those open keep working. */
  readonly maxConnections: number;
  /** A connection that has not sent a complete request head this long is closed (slowloris). */
  readonly headersTimeoutMs: number;
  /** Receiving a whole request (head and body) may take this long; answers (live updates, log follow) are not bounded by it. */
  readonly requestTimeoutMs: number;
  /** The request head's bytes; beyond it 431. */
  readonly maxHeaderBytes: number;
}

export const DEFAULT_API_LISTEN_LIMITS: ApiListenLimits = { maxConnections: 1000, headersTimeoutMs: 30_000, requestTimeoutMs: 60_000, maxHeaderBytes: 16 * 1024 };

const API_LIMIT_KEYS = ["max_connections", "headers_timeout", "request_timeout", "max_header_bytes"] as const;

export const HTTP_LISTEN_KEYS = ["observability", "webhook", "api"] as const;

/** Reads listen.observability / listen.webhook / listen.api. */
export function parseHttpListeners(k: KasReader, listenMap: Record<string, unknown>): HttpListeners {
  return {
    observability: address(k, listenMap.observability, ["listen", "observability"]),
    webhook: address(k, listenMap.webhook, ["listen", "webhook"]),
    api: address(k, listenMap.api, ["listen", "api"]),
  };
}

/** Reads the `api:` section. */
export function parseApiConfig(k: KasReader, value: unknown): ApiConfig | undefined {
  if (value === undefined) return undefined;
  const m = k.r.mapping(value, ["api"], ["token_file", ...API_LIMIT_KEYS]) ?? {};
  const tokenFile = file(k, m.token_file, ["api", "token_file"]);
  if (!tokenFile) k.r.error(["api", "token_file"], "required in the api section (a file holding the bearer token for /api/v1/agents)");
  return tokenFile ? { tokenFile, limits: parseApiLimits(k, m) } : undefined;
}

function parseApiLimits(k: KasReader, m: Record<string, unknown>): ApiListenLimits {
  const d = DEFAULT_API_LISTEN_LIMITS;
  const duration = (key: "headers_timeout" | "request_timeout", fallback: number): number => {
    const ms = durationMs(k, m[key], ["api", key], fallback);
    if (ms <= 0) k.r.mismatch(["api", key], m[key], "a duration above zero", { found: JSON.stringify(m[key]) });
    return ms;
  };
  const limits = {
    maxConnections: positiveInt(k, m.max_connections, ["api", "max_connections"], d.maxConnections),
    headersTimeoutMs: duration("headers_timeout", d.headersTimeoutMs),
    requestTimeoutMs: duration("request_timeout", d.requestTimeoutMs),
    maxHeaderBytes: positiveInt(k, m.max_header_bytes, ["api", "max_header_bytes"], d.maxHeaderBytes),
  };
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    k.r.error(["api", "headers_timeout"], `${limits.headersTimeoutMs} ms is longer than api.request_timeout (${limits.requestTimeoutMs} ms); expected at most request_timeout (the head is part of the request)`);
  }
  return limits;
}

/**
 * The rules that tie listeners to their credentials; each problem is an error
 * of `r`, so kas refuses to start with a config that would serve the
 * agents API to anyone, or configure a webhook nobody can reach.
 */
export function checkHttpListeners(
  r: Checker,
  listen: HttpListeners & { readonly grpc?: string; readonly grpcs?: { readonly address: string }; readonly websocket?: { readonly address: string }; readonly kubernetesApi?: { readonly address: string } },
  api: ApiConfig | undefined,
  webhook: { readonly secretFile: string } | undefined,
): void {
  if (listen.api && !api && !isLoopbackAddress(listen.api)) {
    r.error(
      ["listen", "api"],
      `${listen.api} is not a loopback address, and api.token_file is not set; ` +
        "expected api: { token_file: <file> } (the agents API shows agents, projects and sync errors), or listen.api on 127.0.0.1 or [::1]",
    );
  }
  if (api && !listen.api) r.error(["api", "token_file"], "set, but listen.api is not; expected listen.api: host:port to serve the agents API");
  if (listen.webhook && !webhook) r.error(["listen", "webhook"], "set, but webhook.secret_file is not; expected webhook: { secret_file: <file> }");
  if (webhook && !listen.webhook) {
    r.error(["webhook", "secret_file"], "set, but listen.webhook is not; the push webhook has its own listener now: expected listen.webhook: host:port");
  }
  const named: [KeyPath, string | undefined][] = [
    [["listen", "grpc"], listen.grpc],
    [["listen", "grpcs", "address"], listen.grpcs?.address],
    [["listen", "websocket", "address"], listen.websocket?.address],
    [["listen", "observability"], listen.observability],
    [["listen", "webhook"], listen.webhook],
    [["listen", "api"], listen.api],
    [["listen", "kubernetes_api", "address"], listen.kubernetesApi?.address],
  ];
  const seen = new Map<string, KeyPath>();
  for (const [key, bound] of named) {
    if (bound === undefined || /:0$/.test(bound)) continue;
    const first = seen.get(bound);
    if (first) r.error(key, `${bound} is also ${formatPath(first)}; expected each listener on its own port`);
    else seen.set(bound, key);
  }
}

/** 127.0.0.0/8 or ::1 (IP literals only: a name may resolve elsewhere). An empty host means all interfaces. */
export function isLoopbackAddress(address: string): boolean {
  let host: string;
  try {
    ({ host } = splitHostPort(address));
  } catch {
    return false;
  }
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === "::1" || host === "0:0:0:0:0:0:0:1";
}
