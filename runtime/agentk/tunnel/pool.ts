/**
 * agentk's side of the reverse tunnel: keeps `size` idle Connect streams open
 * to kas, each registered and waiting for one request. A stream that gets a
 * request is served in the background and replaced at once by a new one; a
 * stream that fails is reopened with backoff (kas down, token revoked, kas at
 * its idle-tunnel limit). A kas without the tunnel service (UNIMPLEMENTED: an
 * older kas) is warned about once for the whole pool and probed only every
 * `unimplementedRetryMs`.
 */
import * as grpc from "@grpc/grpc-js";
import { createBackoff, F, sleep, type Backoff, type BackoffOptions, type Logger } from "../../common";
import { TUNNEL_CAPABILITIES, type Clients, type TunnelDown } from "../../rpc";
import type { KubeClient } from "../kube";
import { serveRequest, type TunnelStream } from "./serve";
import { isOwnPath, serveOwn, type PreviewHandler } from "./serve-own";

export interface TunnelPoolOptions {
  /** Clients whose channel carries the agent token (bindAgentToken). */
  readonly clients: Pick<Clients, "tunnel">;
  readonly kube: KubeClient;
  /** Idle tunnels to keep open; default 4. */
  readonly size?: number;
  /** Whether kas may ask for a request to run as another identity (Impersonate-* headers); default no. The apiserver still checks the ServiceAccount's impersonate rights. */
  readonly allowImpersonation?: boolean;
  /** Answers kas's preview requests (PREVIEW_PATH); without it the `preview` capability is not advertised. */
  readonly preview?: PreviewHandler;
  /** Requests served at once; past it no new tunnel is opened until one ends (kas bounds this too; agentk does not trust it to). Default 64. */
  readonly maxOpen?: number;
  readonly logger: Logger;
  readonly signal: AbortSignal;
  readonly backoff?: BackoffOptions;
  /** How long to wait after kas answered UNIMPLEMENTED before trying again; default UNIMPLEMENTED_RETRY_MS. */
  readonly unimplementedRetryMs?: number;
}

export interface TunnelPoolStats {
  /** Streams registered and waiting for a request. */
  idle: number;
  /** Requests being served now. */
  open: number;
  /** Requests served since start. */
  served: number;
  /** Response bytes sent to kas. */
  bytesSent: number;
}

export interface TunnelPool {
  readonly stats: Readonly<TunnelPoolStats>;
  /** Resolves once `signal` is aborted and every slot has stopped (requests in flight are aborted with it). */
  readonly done: Promise<void>;
}

type Failure = Partial<Pick<grpc.ServiceError, "code" | "details" | "message">>;

export const DEFAULT_TUNNEL_POOL_SIZE = 4;
const DEFAULT_MAX_OPEN = 64;
/** An older kas may be upgraded in place: look again now and then, not at the reconnect backoff's pace. */
export const UNIMPLEMENTED_RETRY_MS = 300_000;

/** What this agent's tunnels tell kas they can do. */
export function capabilities(opts: Pick<TunnelPoolOptions, "allowImpersonation" | "preview">): string[] {
  const out: string[] = [TUNNEL_CAPABILITIES.http, TUNNEL_CAPABILITIES.upgrade];
  if (opts.allowImpersonation === true) out.push(TUNNEL_CAPABILITIES.impersonate);
  if (opts.preview !== undefined) out.push(TUNNEL_CAPABILITIES.preview);
  return out;
}

/** What the slots share: the streams to cancel on stop, the requests being served, whether UNIMPLEMENTED was reported. */
interface PoolState {
  readonly stats: TunnelPoolStats;
  readonly calls: Set<TunnelStream>;
  readonly serving: Set<Promise<void>>;
  unimplementedReported: boolean;
}

export function startTunnelPool(opts: TunnelPoolOptions): TunnelPool {
  const state: PoolState = { stats: { idle: 0, open: 0, served: 0, bytesSent: 0 }, calls: new Set(), serving: new Set(), unimplementedReported: false };
  // One abort listener for every stream (a listener per stream would pass Node's 10-listener warning at 11 requests).
  opts.signal.addEventListener("abort", () => state.calls.forEach((c) => c.cancel()), { once: true });
  const size = Math.min(opts.size ?? DEFAULT_TUNNEL_POOL_SIZE, opts.maxOpen ?? DEFAULT_MAX_OPEN);
  const slots = Array.from({ length: size }, () => runSlot(opts, state));
  return { stats: state.stats, done: Promise.all(slots).then(() => Promise.all(state.serving)).then(() => undefined) };
}

async function runSlot(opts: TunnelPoolOptions, state: PoolState): Promise<void> {
  const { stats, calls, serving } = state;
  const backoff = createBackoff(opts.backoff);
  while (!opts.signal.aborted) {
    // Idle tunnels count: kas may hand each a request, and requests in flight must stay within maxOpen.
    while (stats.open + stats.idle >= (opts.maxOpen ?? DEFAULT_MAX_OPEN) && serving.size > 0) await Promise.race(serving);
    if (opts.signal.aborted) return;
    const call: TunnelStream = opts.clients.tunnel.Connect();
    calls.add(call);
    const messages = call[Symbol.asyncIterator]() as AsyncIterator<TunnelDown>;
    let first: IteratorResult<TunnelDown> | undefined;
    let failure: Failure | undefined;
    stats.idle++;
    try {
      call.write({ message: "register", register: { capabilities: capabilities(opts) } });
      first = await messages.next();
    } catch (err) {
      failure = err as grpc.ServiceError;
    } finally {
      stats.idle--;
    }
    if (first && !first.done && first.value.message === "request_head") {
      backoff.reset();
      state.unimplementedReported = false;
      stats.open++;
      const head = first.value.request_head;
      // agentk's own paths are answered here and never reach the apiserver.
      const work = isOwnPath(head.path)
        ? serveOwn(call, messages, head, opts.preview)
        : serveRequest(call, messages, head, { kube: opts.kube, allowImpersonation: opts.allowImpersonation, onSent: (n) => (stats.bytesSent += n) });
      const served: Promise<void> = work.finally(() => {
        stats.open--;
        stats.served++;
        calls.delete(call);
        serving.delete(served);
      });
      serving.add(served);
      continue;
    }
    calls.delete(call);
    call.cancel();
    if (opts.signal.aborted) return;
    const delay = reportFailure(opts, state, backoff, failure, first);
    await sleep(delay, opts.signal);
  }
}

/**
 * Logs why a stream ended and says how long to wait. UNIMPLEMENTED (kas has no
 * tunnel service) is one warning for the pool, then debug lines and the long
 * interval; auth failures are errors; the rest warnings with backoff.
 */
function reportFailure(opts: TunnelPoolOptions, state: PoolState, backoff: Backoff, failure: Failure | undefined, first: IteratorResult<TunnelDown> | undefined): number {
  const code = failure?.code ?? grpc.status.OK;
  const fields = {
    [F.grpcCode]: grpc.status[code] ?? code,
    [F.error]: failure?.details || failure?.message || (first && !first.done ? `unexpected ${first.value.message} before a request` : "stream closed by kas"),
  };
  if (code === grpc.status.UNIMPLEMENTED) {
    const delay = opts.unimplementedRetryMs ?? UNIMPLEMENTED_RETRY_MS;
    const log = state.unimplementedReported ? opts.logger.debug : opts.logger.warn;
    state.unimplementedReported = true;
    log("kas does not serve the reverse tunnel (an older kas?): no Kubernetes API access through kas (ci_access) until it does; retrying rarely", { ...fields, [F.retryInMs]: delay });
    return delay;
  }
  state.unimplementedReported = false;
  const delay = backoff.next();
  const log = code === grpc.status.UNAUTHENTICATED || code === grpc.status.PERMISSION_DENIED ? opts.logger.error : opts.logger.warn;
  log("tunnel stream ended; reconnecting", { ...fields, [F.attempt]: backoff.attempt, [F.retryInMs]: delay });
  return delay;
}
