/**
 * agentk's side of the reverse tunnel: keeps `size` idle Connect streams open
 * to kas, each registered and waiting for one request. A stream that gets a
 * request is served in the background and replaced at once by a new one; a
 * stream that fails is reopened with backoff (kas down, token revoked, kas at
 * its idle-tunnel limit).
 */
import * as grpc from "@grpc/grpc-js";
import { createBackoff, F, sleep, type BackoffOptions, type Logger } from "../../common";
import { TUNNEL_CAPABILITIES, type Clients, type TunnelDown } from "../../rpc";
import type { KubeClient } from "../kube";
import { serveRequest, type TunnelStream } from "./serve";

export interface TunnelPoolOptions {
  /** Clients whose channel carries the agent token (bindAgentToken). */
  readonly clients: Pick<Clients, "tunnel">;
  readonly kube: KubeClient;
  /** Idle tunnels to keep open; default 4. */
  readonly size?: number;
  /** Whether kas may ask for a request to run as another identity (Impersonate-* headers); default no. The apiserver still checks the ServiceAccount's impersonate rights. */
  readonly allowImpersonation?: boolean;
  /** Requests served at once; past it no new tunnel is opened until one ends (kas bounds this too; agentk does not trust it to). Default 64. */
  readonly maxOpen?: number;
  readonly logger: Logger;
  readonly signal: AbortSignal;
  readonly backoff?: BackoffOptions;
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

export const DEFAULT_TUNNEL_POOL_SIZE = 4;
const DEFAULT_MAX_OPEN = 64;

/** What this agent's tunnels tell kas they can do. */
export function capabilities(opts: Pick<TunnelPoolOptions, "allowImpersonation">): string[] {
  const out: string[] = [TUNNEL_CAPABILITIES.http, TUNNEL_CAPABILITIES.upgrade];
  if (opts.allowImpersonation === true) out.push(TUNNEL_CAPABILITIES.impersonate);
  return out;
}

export function startTunnelPool(opts: TunnelPoolOptions): TunnelPool {
  const stats: TunnelPoolStats = { idle: 0, open: 0, served: 0, bytesSent: 0 };
  // One abort listener for every stream (a listener per stream would pass Node's 10-listener warning at 11 requests).
  const calls = new Set<TunnelStream>();
  opts.signal.addEventListener("abort", () => calls.forEach((c) => c.cancel()), { once: true });
  const serving = new Set<Promise<void>>();
  const size = Math.min(opts.size ?? DEFAULT_TUNNEL_POOL_SIZE, opts.maxOpen ?? DEFAULT_MAX_OPEN);
  const slots = Array.from({ length: size }, () => runSlot(opts, stats, calls, serving));
  return { stats, done: Promise.all(slots).then(() => Promise.all(serving)).then(() => undefined) };
}

async function runSlot(opts: TunnelPoolOptions, stats: TunnelPoolStats, calls: Set<TunnelStream>, serving: Set<Promise<void>>): Promise<void> {
  const backoff = createBackoff(opts.backoff);
  while (!opts.signal.aborted) {
    // Idle tunnels count: kas may hand each a request, and requests in flight must stay within maxOpen.
    while (stats.open + stats.idle >= (opts.maxOpen ?? DEFAULT_MAX_OPEN) && serving.size > 0) await Promise.race(serving);
    if (opts.signal.aborted) return;
    const call: TunnelStream = opts.clients.tunnel.Connect();
    calls.add(call);
    const messages = call[Symbol.asyncIterator]() as AsyncIterator<TunnelDown>;
    let first: IteratorResult<TunnelDown> | undefined;
    let failure: { code?: number; details?: string; message?: string } | undefined;
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
      stats.open++;
      const served: Promise<void> = serveRequest(call, messages, first.value.request_head, {
        kube: opts.kube,
        allowImpersonation: opts.allowImpersonation,
        onSent: (n) => (stats.bytesSent += n),
      }).finally(() => {
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
    const delay = backoff.next();
    const code = failure?.code ?? grpc.status.OK;
    const log = code === grpc.status.UNAUTHENTICATED || code === grpc.status.PERMISSION_DENIED ? opts.logger.error : opts.logger.warn;
    log("tunnel stream ended; reconnecting", {
      [F.grpcCode]: grpc.status[code] ?? code,
      [F.error]: failure?.details || failure?.message || (first && !first.done ? `unexpected ${first.value.message} before a request` : "stream closed by kas"),
      [F.attempt]: backoff.attempt,
      [F.retryInMs]: delay,
    });
    await sleep(delay, opts.signal);
  }
}
