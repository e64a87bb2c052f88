/**
 * The serving replica's half of the private API: another replica asks for a
 * tunnel of an agent connected HERE (never routed further: no loops), then
 * sends the request through it, and the answer streams back. Both directions
 * are pulled a message at a time, so the forwarding replica, the agent and a
 * slow client hold each other back rather than kas's memory. The forwarding
 * replica going away cancels the agent's request; the agent going away ends
 * the call with an `error` message. A call that is not from a replica is
 * refused UNAUTHENTICATED and counted; one that says nothing in time, or
 * sends messages out of order, is ended.
 */
import * as grpc from "@grpc/grpc-js";
import { F, type Logger, type Metrics } from "../../common";
import type { ForwardRequest, ForwardResponse, PrivateTunnelHandlers, TunnelRequestHead } from "../../rpc";
import { TunnelUnavailableError, type TunnelRegistry, type TunnelResponse } from "../tunnel";
import { privateApiRefusal, SeenTokens } from "./auth";
import { MessagePipe, within } from "./message-pipe";

export interface ForwardServiceDeps {
  readonly tunnels: Pick<TunnelRegistry, "acquire">;
  readonly secret: Buffer;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** How long a call may take to ask for a tunnel, and then to send its request head. Default PRIVATE_API_TIMEOUTS. */
  readonly timeouts?: { readonly firstMessageMs: number; readonly requestHeadMs: number; readonly maxAcquireMs: number };
}

export const PRIVATE_API_TIMEOUTS = { firstMessageMs: 10_000, requestHeadMs: 60_000, maxAcquireMs: 30_000 };
const DEFAULT_ACQUIRE_MS = 10_000;
const MAX_AGENT_ID_CHARS = 256;

type Pipe = MessagePipe<ForwardRequest, ForwardResponse>;

class CallError extends Error {
  constructor(
    readonly code: grpc.status,
    message: string,
  ) {
    super(message);
  }
}

export function forwardHandlers(deps: ForwardServiceDeps): PrivateTunnelHandlers {
  const refused = deps.metrics.counter("kas_private_api_refused_total", "Private API calls refused: not from a replica (no or a bad token)");
  const served = deps.metrics.counter("kas_private_api_forwards_served_total", "Tunnel requests other replicas forwarded to this one, by result", ["result"]);
  const timeouts = deps.timeouts ?? PRIVATE_API_TIMEOUTS;
  const seen = new SeenTokens();
  return {
    Forward: (call) => {
      const why = privateApiRefusal(call.metadata, deps.secret, Date.now(), seen);
      if (why !== undefined) {
        refused.inc();
        deps.logger.warn("private API call refused", { [F.peer]: call.getPeer(), [F.reason]: why });
        call.emit("error", { code: grpc.status.UNAUTHENTICATED, details: `kas private API: ${why}` });
        return;
      }
      const pipe: Pipe = new MessagePipe(call);
      void serve(deps, timeouts, pipe).then(
        (result) => served.inc({ result }),
        (err: unknown) => {
          const e = err instanceof CallError ? err : new CallError(grpc.status.INTERNAL, err instanceof Error ? err.message : String(err));
          served.inc({ result: e.code === grpc.status.INTERNAL ? "error" : "bad_call" });
          deps.logger.info("private API call ended", { [F.peer]: call.getPeer(), [F.reason]: e.message });
          if (!pipe.ended) call.emit("error", { code: e.code, details: `kas private API: ${e.message}` });
        },
      );
    },
  };
}

async function serve(deps: ForwardServiceDeps, timeouts: typeof PRIVATE_API_TIMEOUTS, pipe: Pipe): Promise<string> {
  const first = await within(pipe.next(), timeouts.firstMessageMs, () => new CallError(grpc.status.DEADLINE_EXCEEDED, `no acquire within ${timeouts.firstMessageMs} ms`));
  if (first?.message !== "acquire") throw new CallError(grpc.status.INVALID_ARGUMENT, `a call must start with acquire, got ${first?.message ?? "the end of the stream"}`);
  const agentId = first.acquire.agent_id;
  if (agentId === "" || agentId.length > MAX_AGENT_ID_CHARS) throw new CallError(grpc.status.INVALID_ARGUMENT, `acquire.agent_id: expected 1 to ${MAX_AGENT_ID_CHARS} characters`);
  const gone = new AbortController();
  pipe.onEnd(() => gone.abort());
  let tunnel;
  try {
    const timeoutMs = Math.min(first.acquire.timeout_ms || DEFAULT_ACQUIRE_MS, timeouts.maxAcquireMs);
    tunnel = await deps.tunnels.acquire(agentId, { signal: gone.signal, timeoutMs });
  } catch (err) {
    if (!(err instanceof TunnelUnavailableError)) throw err;
    if (err.reason === "aborted") return "caller_gone";
    await pipe.write({ message: "unavailable", unavailable: { reason: err.reason, message: err.message } });
    pipe.close();
    return err.reason;
  }
  const giveBack = pipe.onEnd(() => tunnel.cancel("the forwarding kas replica went away"));
  let head: TunnelRequestHead;
  try {
    await pipe.write({ message: "acquired", acquired: { capabilities: tunnel.capabilities } });
    const second = await within(pipe.next(), timeouts.requestHeadMs, () => new CallError(grpc.status.DEADLINE_EXCEEDED, `no request_head within ${timeouts.requestHeadMs} ms`));
    if (second?.message !== "request_head") throw new CallError(grpc.status.INVALID_ARGUMENT, `request_head expected after acquired, got ${second?.message ?? "the end of the stream"}`);
    head = second.request_head;
  } catch (err) {
    tunnel.cancel("not used: the forwarding replica sent no request");
    throw err;
  }
  giveBack();
  return relay(pipe, () => tunnel.request(head, requestBody(pipe), gone.signal), agentId);
}

/** The forwarding replica's body messages as bytes for the tunnel: pulled one at a time, as the agent takes them. */
async function* requestBody(pipe: Pipe): AsyncGenerator<Buffer> {
  for (;;) {
    const msg = await pipe.next();
    if (msg?.message === "end" || msg === undefined) return;
    if (msg.message !== "data") throw new CallError(grpc.status.INVALID_ARGUMENT, `data or end expected in the request body, got ${msg.message}`);
    yield msg.data.data;
  }
}

/** The agent's answer to the forwarding replica; the agent failing or going away becomes an `error` message. */
async function relay(pipe: Pipe, request: () => Promise<TunnelResponse>, agentId: string): Promise<string> {
  try {
    const answer = await request();
    await pipe.write({ message: "response_head", response_head: answer.head });
    for await (const chunk of answer.body) await pipe.write({ message: "data", data: { data: chunk } });
    await pipe.write({ message: "end", end: {} });
    pipe.close();
    return "ok";
  } catch (err) {
    if (pipe.ended) return "caller_gone";
    const message = err instanceof Error ? err.message : String(err);
    await pipe.write({ message: "error", error: { message: message.startsWith("agent ") ? message : `agent ${agentId}: ${message}` } }).catch(() => undefined);
    pipe.close();
    return "agent_error";
  }
}
