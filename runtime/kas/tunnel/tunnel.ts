/**
 * One agent tunnel as kas holds it: a registered Connect stream that carries
 * exactly one request. Reads are pulled one message at a time (grpc-js reads
 * the next only when asked), writes wait for 'drain', so neither direction
 * buffers more than a message or two per tunnel.
 */
import * as grpc from "@grpc/grpc-js";
import { resetServerCall } from "./reset-stream";
import { untilEnded } from "./until-ended";
import { TUNNEL_CHUNK_BYTES, type TunnelDown, type TunnelRequestHead, type TunnelResponseHead, type TunnelUp } from "../../rpc";

/** The server side of a Connect call, as far as a tunnel needs it. */
export type TunnelCall = grpc.ServerDuplexStream<TunnelUp, TunnelDown>;

/** When the call ends, for any reason (kas's StreamLife). */
export interface TunnelLife {
  readonly ended: boolean;
  onEnd(fn: () => void): () => void;
  /** The stream carries a request now: max_connection_age does not end it (a watch lasts as long as its client wants). */
  hold?(): void;
}

export interface TunnelResponse {
  readonly head: TunnelResponseHead;
  /** The response body; throws when the agent fails or goes away mid-body. Breaking out of it cancels the request. */
  readonly body: AsyncIterable<Buffer>;
}

export class TunnelClosedError extends Error {
  override readonly name = "TunnelClosedError";
}

/** Bytes a tunnel has taken from the agent and handed to its caller, for bounds checks and metrics. */
export interface TunnelCounters {
  received: number;
  delivered: number;
}

export class AgentTunnel {
  readonly counters: TunnelCounters = { received: 0, delivered: 0 };
  /** What the agent said this tunnel can do when it registered (TUNNEL_CAPABILITIES). */
  capabilities: readonly string[] = [];
  private readonly messages: AsyncIterator<TunnelUp>;
  private used = false;

  constructor(
    readonly agentId: string,
    private readonly call: TunnelCall,
    readonly life: TunnelLife,
  ) {
    this.messages = call[Symbol.asyncIterator]() as AsyncIterator<TunnelUp>;
  }

  /** Reads the agent's first message; it must register. */
  async accept(): Promise<readonly string[]> {
    const first = await this.next();
    if (first?.message !== "register") throw new Error(`a tunnel must start with register, got ${first?.message ?? "the end of the stream"}`);
    this.capabilities = [...first.register.capabilities];
    return this.capabilities;
  }

  /** Ends the stream with CANCELLED: the agent aborts its apiserver request. Idempotent. */
  cancel(reason = "cancelled by kas"): void {
    if (!this.life.ended && !this.call.cancelled) this.call.emit("error", { code: grpc.status.CANCELLED, details: reason });
  }

  /**
   * Sends the request and resolves once the agent has the response head.
   * `body` (if any) streams to the agent, then `end`; on an upgraded connection
   * it is the client's side of the connection. Aborting `signal` at any time
   * cancels the request on both sides.
   */
  async request(head: TunnelRequestHead, body?: AsyncIterable<Buffer>, callerSignal?: AbortSignal): Promise<TunnelResponse> {
    if (this.used) throw new Error("a tunnel carries one request");
    this.used = true;
    this.life.hold?.();
    const signal = callerSignal && AbortSignal.any([callerSignal]);
    const onAbort = (): void => void this.cancelAfterFlush("the caller went away");
    if (signal?.aborted) onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    this.life.onEnd(() => signal?.removeEventListener("abort", onAbort));
    try {
      await this.write({ message: "request_head", request_head: head });
      void this.pump(body);
      const first = await this.next();
      if (first?.message === "response_head") return { head: first.response_head, body: this.body() };
      throw new TunnelClosedError(first?.message === "error" ? `agent ${this.agentId}: ${first.error.message}` : `agent ${this.agentId} sent no response head`);
    } catch (err) {
      this.cancel(err instanceof Error ? err.message : String(err));
      throw err;
    }
  }

  private async *body(): AsyncGenerator<Buffer> {
    let clean = false;
    try {
      for (;;) {
        const msg = await this.next();
        if (msg?.message === "data") {
          this.counters.received += msg.data.data.length;
          yield msg.data.data;
          this.counters.delivered += msg.data.data.length;
        } else if (msg?.message === "end") {
          clean = true;
          this.call.end();
          return;
        } else {
          throw new TunnelClosedError(msg?.message === "error" ? `agent ${this.agentId}: ${msg.error.message}` : `agent ${this.agentId}'s tunnel ended mid-response`);
        }
      }
    } finally {
      if (!clean) this.cancel("the caller stopped reading");
    }
  }

  private async pump(body: AsyncIterable<Buffer> | undefined): Promise<void> {
    try {
      if (body) {
        for await (const chunk of body) {
          for (let off = 0; off < chunk.length; off += TUNNEL_CHUNK_BYTES) {
            await this.write({ message: "data", data: { data: chunk.subarray(off, off + TUNNEL_CHUNK_BYTES) } });
          }
        }
      }
      await this.write({ message: "end", end: {} });
    } catch (err) {
      if (err instanceof TunnelClosedError) return;
      await this.cancelAfterFlush(`reading the request body: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /**
   * Cancels once the messages already written have gone to the stream (or
   * after 5 s): a cancel issued while they are still buffered did not reach
   * the agent, which kept waiting for the rest of the body (test/tunnel/cancel-body).
   * If they have not gone by then (the agent's apiserver reads none of the
   * body, so HTTP/2 flow control holds them), the status would queue behind
   * them for ever: the stream is reset instead (test/tunnel/cancel-unread).
   */
  private async cancelAfterFlush(reason: string): Promise<void> {
    const deadline = Date.now() + 5_000;
    while (this.call.writableLength > 0 && !this.life.ended && Date.now() < deadline) {
      await this.untilClosed(new Promise((resolve) => setTimeout(resolve, 10))).catch(() => undefined);
    }
    if (this.call.writableLength > 0 && !this.life.ended) resetServerCall(this.call);
    this.cancel(reason);
  }

  /** Writes one message, waiting for 'drain' when the stream's buffer is full. */
  private async write(msg: TunnelDown): Promise<void> {
    if (this.life.ended) throw new TunnelClosedError(`agent ${this.agentId}'s tunnel closed`);
    if (this.call.write(msg)) return;
    await this.untilClosed(new Promise<void>((resolve) => this.call.once("drain", () => resolve())));
  }

  /** The agent's next message; undefined at the end of its stream; throws once the call has ended otherwise. */
  private async next(): Promise<TunnelUp | undefined> {
    const r = await this.untilClosed(this.messages.next());
    return r.done ? undefined : r.value;
  }

  /** `p`, or TunnelClosedError once the call ends (untilEnded says why not a race). */
  private untilClosed<T>(p: Promise<T>): Promise<T> {
    return untilEnded(p, (fn) => this.life.onEnd(fn), () => new TunnelClosedError(`agent ${this.agentId}'s tunnel closed`));
  }
}
