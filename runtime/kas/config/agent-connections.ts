/** kas.yaml's `agent_connections:`: what one agent connection may hold. */
import { LIMITS } from "../../rpc/agent-config";
import { DEFAULT_AGENT_CONNECTION_LIMITS, type AgentConnectionLimits } from "./schema";
import { durationMs, positiveInt, type KasReader } from "./values";

const KEYS = [
  "keepalive_time",
  "keepalive_timeout",
  "max_connection_age",
  "max_connection_age_grace",
  "max_streams_per_agent",
  "stalled_stream_timeout",
  "max_buffered_bytes_per_agent",
  "max_idle_tunnels_per_agent",
  "max_tunnel_requests_per_agent",
] as const;

export function parseAgentConnections(k: KasReader, value: unknown): AgentConnectionLimits {
  const { r } = k;
  const d = DEFAULT_AGENT_CONNECTION_LIMITS;
  const m: Partial<Record<(typeof KEYS)[number], unknown>> = r.mapping(value, ["agent_connections"], KEYS) ?? {};
  // Zero would mean "at once" here (every connection cut, every blocked write ended), never "off".
  const duration = (key: (typeof KEYS)[number], fallback: number): number => {
    const ms = durationMs(k, m[key], ["agent_connections", key], fallback);
    if (ms <= 0) r.mismatch(["agent_connections", key], m[key], "a duration above zero", { found: JSON.stringify(m[key]) });
    return ms;
  };
  const bufferedAt = ["agent_connections", "max_buffered_bytes_per_agent"];
  const buffered = positiveInt(k, m.max_buffered_bytes_per_agent, bufferedAt, d.maxBufferedBytesPerAgent);
  if (buffered < LIMITS.totalBytes) {
    r.mismatch(bufferedAt, buffered, `at least ${LIMITS.totalBytes} (one project's largest batch)`, { found: String(buffered) });
  }
  return {
    keepaliveTimeMs: duration("keepalive_time", d.keepaliveTimeMs),
    keepaliveTimeoutMs: duration("keepalive_timeout", d.keepaliveTimeoutMs),
    maxConnectionAgeMs: duration("max_connection_age", d.maxConnectionAgeMs),
    maxConnectionAgeGraceMs: duration("max_connection_age_grace", d.maxConnectionAgeGraceMs),
    maxStreamsPerAgent: positiveInt(k, m.max_streams_per_agent, ["agent_connections", "max_streams_per_agent"], d.maxStreamsPerAgent),
    stalledStreamTimeoutMs: duration("stalled_stream_timeout", d.stalledStreamTimeoutMs),
    maxBufferedBytesPerAgent: buffered,
    maxIdleTunnelsPerAgent: positiveInt(k, m.max_idle_tunnels_per_agent, ["agent_connections", "max_idle_tunnels_per_agent"], d.maxIdleTunnelsPerAgent),
    maxTunnelRequestsPerAgent: positiveInt(k, m.max_tunnel_requests_per_agent, ["agent_connections", "max_tunnel_requests_per_agent"], d.maxTunnelRequestsPerAgent),
  };
}
