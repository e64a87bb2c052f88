/**
 * Serves the one request a tunnel carries: performs kas's request against
 * this agent's apiserver with the agent's own credentials, and streams the
 * response back. Both directions wait for the other side to drain; a
 * cancelled stream (kas or its caller went away) aborts the apiserver request.
 */
import { once } from "node:events";
import type * as http from "node:http";
import type { Duplex, Writable } from "node:stream";
import type * as grpc from "@grpc/grpc-js";
import { TUNNEL_CHUNK_BYTES, type TunnelDown, type TunnelRequestHead, type TunnelUp } from "../../rpc";
import type { KubeClient } from "../kube";
import { requestHeaders, responseHeaders, wantsUpgrade } from "./headers";

export type TunnelStream = grpc.ClientDuplexStream<TunnelUp, TunnelDown>;

export interface ServeOptions {
  readonly kube: KubeClient;
  /** Whether request_head.identity may make the agent impersonate someone; default no. */
  readonly allowImpersonation?: boolean;
  /** Counts bytes of response data sent to kas. */
  readonly onSent?: (bytes: number) => void;
}

/** Serves `head`; `messages` yields what kas sends after it. Resolves when the request is over, however it ended. */
export async function serveRequest(call: TunnelStream, messages: AsyncIterator<TunnelDown>, head: TunnelRequestHead, opts: ServeOptions): Promise<void> {
  const abort = new AbortController();
  const onGone = (): void => abort.abort();
  call.on("error", onGone);
  const send = async (msg: TunnelUp): Promise<void> => {
    if (!call.write(msg)) await once(call, "drain", { signal: abort.signal });
  };
  let headSent = false;
  try {
    const upgrade = wantsUpgrade(head.headers);
    const req = await opts.kube.forward(head.method, head.path, requestHeaders(head.headers, head.identity, opts.allowImpersonation ?? false), abort.signal);
    const response = responded(req, abort.signal);
    // Where kas's data goes: the request body, or once upgraded the connection (nowhere when the apiserver refused the upgrade).
    let target: Promise<Writable | undefined> = Promise.resolve(req);
    if (upgrade) {
      req.end();
      target = response.then((r) => r.socket);
    }
    const upstream = forwardBody(messages, target, abort.signal);
    upstream.catch(() => abort.abort());
    const r = await response;
    await send({ message: "response_head", response_head: { status: r.res.statusCode ?? 502, headers: responseHeaders(r.res.rawHeaders, r.socket !== undefined) } });
    headSent = true;
    if (r.head && r.head.length > 0) await sendData(send, r.head, opts);
    for await (const chunk of (r.socket ?? r.res) as AsyncIterable<Buffer>) await sendData(send, chunk, opts);
    await send({ message: "end", end: {} });
    // An upgraded connection the apiserver has closed is over: kas's side may still be open (its client
    // has not closed yet) but nothing more can reach the apiserver, so agentk does not wait for it.
    call.end();
  } catch (err) {
    if (abort.signal.aborted) return;
    // Before the head, kas learns why; after it, only that the body broke.
    if (!headSent) {
      call.write({ message: "error", error: { message: err instanceof Error ? err.message : String(err) } });
      call.end();
    } else call.cancel();
  } finally {
    abort.abort();
    call.off("error", onGone);
  }
}

interface Responded {
  readonly res: http.IncomingMessage;
  /** The upgraded connection, after a 101. */
  readonly socket?: Duplex;
  readonly head?: Buffer;
}

function responded(req: http.ClientRequest, signal: AbortSignal): Promise<Responded> {
  return new Promise((resolve, reject) => {
    req.on("response", (res) => resolve({ res }));
    req.on("upgrade", (res, socket, head) => {
      signal.addEventListener("abort", () => socket.destroy(), { once: true });
      resolve({ res, socket, head });
    });
    req.on("error", reject);
  });
}

async function sendData(send: (msg: TunnelUp) => Promise<void>, chunk: Buffer, opts: ServeOptions): Promise<void> {
  for (let off = 0; off < chunk.length; off += TUNNEL_CHUNK_BYTES) {
    const part = chunk.subarray(off, off + TUNNEL_CHUNK_BYTES);
    await send({ message: "data", data: { data: part } });
    opts.onSent?.(part.length);
  }
}

/** kas's request body (or, once upgraded, the client's bytes) into the apiserver request, one message at a time. */
async function forwardBody(messages: AsyncIterator<TunnelDown>, target: Promise<Writable | undefined>, signal: AbortSignal): Promise<void> {
  for (;;) {
    const next = await messages.next();
    if (next.done) return;
    const msg = next.value;
    const out = await target;
    if (msg.message === "data") {
      if (out && !out.write(msg.data.data)) await once(out, "drain", { signal });
    } else if (msg.message === "end") {
      out?.end();
      return;
    } else {
      throw new Error(`unexpected ${msg.message} from kas in the middle of a request`);
    }
  }
}
