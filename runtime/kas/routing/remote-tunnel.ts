/**
 * A tunnel of an agent connected to another replica, through that replica's
 * private API (forward-service.ts is the other half). open() takes the tunnel
 * there and learns its capabilities, so the proxy checks `impersonate` and
 * `preview` as for a local one; request() then sends the request and streams
 * the answer. Aborting the caller's signal, breaking out of the body, or
 * cancel() cancels the call: the serving replica cancels the agent's request.
 */
import type * as grpc from "@grpc/grpc-js";
import { TUNNEL_CHUNK_BYTES, type ForwardRequest, type ForwardResponse, type PrivateTunnelClient, type TunnelRequestHead } from "../../rpc";
import { TunnelClosedError, TunnelUnavailableError, type Tunnel, type TunnelResponse } from "../tunnel";
import { MessagePipe, PipeClosedError } from "./message-pipe";

type Pipe = MessagePipe<ForwardResponse, ForwardRequest>;

/** The replica answered nothing useful before any byte of the request (unreachable, refused us, broken): try another. */
export class ReplicaUnreachableError extends Error {
  override readonly name = "ReplicaUnreachableError";
  constructor(
    message: string,
    /** The gRPC status, when the call ended with one. */
    readonly code?: grpc.status,
  ) {
    super(message);
  }
}

export interface OpenRemoteOptions {
  readonly client: PrivateTunnelClient;
  readonly url: string;
  readonly agentId: string;
  readonly metadata: grpc.Metadata;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

/** Takes one of the agent's tunnels on the replica at `url`; TunnelUnavailableError when it has none, ReplicaUnreachableError when it cannot say. */
export async function openRemoteTunnel(o: OpenRemoteOptions): Promise<RemoteTunnel> {
  const call = o.client.Forward(o.metadata);
  const pipe: Pipe = new MessagePipe(call);
  const cancel = (): void => call.cancel();
  // The serving replica waits up to timeoutMs for an idle tunnel; a replica that says nothing for longer is not answering.
  const timer = setTimeout(cancel, o.timeoutMs + 5_000);
  o.signal?.addEventListener("abort", cancel, { once: true });
  try {
    await pipe.write({ message: "acquire", acquire: { agent_id: o.agentId, timeout_ms: o.timeoutMs } });
    const first = await pipe.next();
    if (first?.message === "acquired") return new RemoteTunnel(o.agentId, o.url, call, pipe, first.acquired.capabilities);
    if (first?.message === "unavailable") {
      call.cancel();
      const reason = first.unavailable.reason;
      if (reason === "no_tunnel" || reason === "busy" || reason === "not_connected") throw new TunnelUnavailableError(first.unavailable.message, reason);
    }
    call.cancel();
    throw new ReplicaUnreachableError(`kas replica ${o.url} answered ${first?.message ?? "nothing"} to acquire`);
  } catch (err) {
    if (o.signal?.aborted) throw new TunnelUnavailableError(`waiting for a tunnel of agent ${o.agentId} on kas replica ${o.url}: aborted`, "aborted");
    if (err instanceof TunnelUnavailableError || err instanceof ReplicaUnreachableError) throw err;
    const code = (err as { code?: unknown }).code;
    throw new ReplicaUnreachableError(`kas replica ${o.url}: ${err instanceof Error ? err.message : String(err)}`, typeof code === "number" ? code : undefined);
  } finally {
    clearTimeout(timer);
    o.signal?.removeEventListener("abort", cancel);
  }
}

export class RemoteTunnel implements Tunnel {
  private used = false;

  constructor(
    readonly agentId: string,
    /** The serving replica's private API URL. */
    readonly url: string,
    private readonly call: grpc.ClientDuplexStream<ForwardRequest, ForwardResponse>,
    private readonly pipe: Pipe,
    readonly capabilities: readonly string[],
  ) {}

  cancel(): void {
    if (!this.pipe.ended) this.call.cancel();
  }

  async request(head: TunnelRequestHead, body?: AsyncIterable<Buffer>, callerSignal?: AbortSignal): Promise<TunnelResponse> {
    if (this.used) throw new Error("a tunnel carries one request");
    this.used = true;
    const signal = callerSignal && AbortSignal.any([callerSignal]);
    const onAbort = (): void => this.cancel();
    if (signal?.aborted) onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    this.pipe.onEnd(() => signal?.removeEventListener("abort", onAbort));
    try {
      await this.pipe.write({ message: "request_head", request_head: head });
      void this.pump(body);
      const first = await this.pipe.next();
      if (first?.message === "response_head") return { head: first.response_head, body: this.body() };
      throw new TunnelClosedError(first?.message === "error" ? first.error.message : `kas replica ${this.url} sent no response head for agent ${this.agentId}`);
    } catch (err) {
      this.cancel();
      throw err instanceof PipeClosedError || !(err instanceof TunnelClosedError) ? this.closed(err) : err;
    }
  }

  private async *body(): AsyncGenerator<Buffer> {
    let clean = false;
    try {
      for (;;) {
        const msg = await this.pipe.next().catch((err: unknown) => {
          throw this.closed(err);
        });
        if (msg?.message === "data") yield msg.data.data;
        else if (msg?.message === "end") {
          clean = true;
          this.call.end();
          return;
        } else throw new TunnelClosedError(msg?.message === "error" ? msg.error.message : `agent ${this.agentId}'s tunnel through kas replica ${this.url} ended mid-response`);
      }
    } finally {
      if (!clean) this.cancel();
    }
  }

  private async pump(body: AsyncIterable<Buffer> | undefined): Promise<void> {
    try {
      if (body) {
        for await (const chunk of body) {
          for (let off = 0; off < chunk.length; off += TUNNEL_CHUNK_BYTES) {
            await this.pipe.write({ message: "data", data: { data: chunk.subarray(off, off + TUNNEL_CHUNK_BYTES) } });
          }
        }
      }
      await this.pipe.write({ message: "end", end: {} });
    } catch {
      // The call is over (its reader says why), or the caller's body failed: either way the request is off.
      this.cancel();
    }
  }

  private closed(err: unknown): TunnelClosedError {
    return new TunnelClosedError(`agent ${this.agentId}'s tunnel through kas replica ${this.url} closed: ${err instanceof Error ? err.message : String(err)}`);
  }
}
