import * as grpc from "@grpc/grpc-js";
import type { Counter } from "prom-client";
import { F, rateLimitedLog, type Logger, type Metrics } from "../../common";
import { AUTHORIZATION_HEADER } from "../../rpc";
import type { AgentIdentity } from "./access";
import { authenticateToken, bearerToken } from "./auth";
import { trackAgentStream } from "./connection-log";
import type { ServerContext } from "./context";
import { callPeer } from "./tunnel-peer";
import { failStream, resourceExhausted, RpcError, toStatus, unavailable, type StreamLife } from "./errors";

/**
 * Failed authentications, logged (rate-limited: a peer can fail as often as
 * it likes) and counted by transport and reason; never with the token.
 */
export class AuthAudit {
  private readonly log: (fields: Parameters<Logger["warn"]>[1]) => void;
  private readonly count: Counter<"where" | "reason">;

  constructor(logger: Logger, metrics: Metrics) {
    this.log = rateLimitedLog(logger, "warn", "Agent authentication failed");
    this.count = metrics.counter("kas_auth_failures_total", "Failed agent authentications (gRPC calls and WebSocket upgrades), by transport and reason", ["where", "reason"]);
  }

  refused(where: string, peer: string | undefined, err: unknown): void {
    const { code, details } = toStatus(err);
    const reason = err instanceof RpcError && err.reason ? err.reason : code === grpc.status.UNAVAILABLE ? "registry_unavailable" : "error";
    this.count.inc({ where, reason });
    this.log({ [F.grpcMethod]: where, [F.peer]: peer, [F.reason]: reason, [F.error]: details });
  }
}

/** The bearer token of a call's metadata (throws UNAUTHENTICATED when missing or malformed). */
export function callToken(metadata: grpc.Metadata): string {
  const first = metadata.get(AUTHORIZATION_HEADER)[0];
  return bearerToken(typeof first === "string" ? first : undefined);
}

/** Authenticates a call; a failure is audited, then thrown. */
export async function authenticate(ctx: ServerContext, call: { metadata: grpc.Metadata; getPeer(): string }, method: string): Promise<{ agent: AgentIdentity; token: string }> {
  const peer = callPeer(call);
  try {
    const token = callToken(call.metadata);
    return { agent: await authenticateToken(ctx.registry, token), token };
  } catch (err) {
    ctx.audit.refused(method, peer, err);
    throw err;
  }
}

type StreamCall = { metadata: grpc.Metadata; getPeer(): string; cancelled: boolean; emit(event: "error", err: unknown): boolean };

/**
 * Lets a stream in: authenticates it, refuses it when its agent already holds
 * `max_streams_per_agent` streams, counts it for the agent, and registers it
 * so a revoked token ends it; all of it undone when the stream ends. Resolves
 * undefined when the stream ended while it was being authenticated.
 */
export async function admitStream(ctx: ServerContext, call: StreamCall, life: StreamLife, method: string): Promise<AgentIdentity | undefined> {
  const peer = callPeer(call);
  const { agent, token } = await authenticate(ctx, call, method);
  if (life.ended) return undefined;
  const open = ctx.tracker.openStreams(agent.id);
  if (open >= ctx.limits.maxStreamsPerAgent) {
    throw resourceExhausted(
      `agent ${agent.name} already has ${open} streams open; at most ${ctx.limits.maxStreamsPerAgent} (agent_connections.max_streams_per_agent in kas config)`,
    );
  }
  life.onEnd(trackAgentStream(ctx, agent, peer, method));
  life.onEnd(ctx.streams.add(token, agent, (err) => failStream(call, err)));
  life.onEnd(endAtMaxAge(ctx, call, life));
  return agent;
}

/**
 * Ends the stream max_connection_age plus its grace after it opened (the
 * agent reopens it, re-authenticating), unless it is held: a tunnel carrying
 * a request ends with the request, which revocation still ends. gRPC's own
 * grace is unlimited (transports.ts), so a GOAWAY'd connection lingers only
 * for its streams. Returns the clean-up.
 */
function endAtMaxAge(ctx: ServerContext, call: StreamCall, life: StreamLife): () => void {
  const { maxConnectionAgeMs, maxConnectionAgeGraceMs } = ctx.limits;
  const timer = setTimeout(() => {
    if (!life.held) failStream(call, unavailable(`the stream reached max_connection_age plus its grace (${(maxConnectionAgeMs + maxConnectionAgeGraceMs) / 1000} s); reconnect`));
  }, maxConnectionAgeMs + maxConnectionAgeGraceMs);
  timer.unref();
  return () => clearTimeout(timer);
}
