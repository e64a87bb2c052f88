import * as grpc from "@grpc/grpc-js";
import { createBackoff, F, sleep, type BackoffOptions, type Logger } from "../../common";

export interface ResilientStreamOptions<T> {
  /** What the stream is, for logs ("configuration", "objects of group/project"). */
  readonly name: string;
  /** Opens a new call; called again after every failure. */
  readonly open: () => grpc.ClientReadableStream<T>;
  /**
   * Handles one message; throwing cancels the call and reconnects (e.g. out-of-order stream).
   * Returns true when the message completed something usable (a configuration, a whole batch):
   * only that resets the backoff, so a kas that breaks every call mid-batch is retried ever more slowly.
   */
  readonly onMessage: (msg: T) => boolean;
  readonly backoff?: BackoffOptions;
  readonly logger: Logger;
  readonly signal: AbortSignal;
  /** Called each time a call ends with a status (for metrics/tests). */
  readonly onCallEnded?: (status: grpc.status, details: string) => void;
  /**
   * A call that stayed open this long and ended without a protocol violation
   * also resets the backoff. An objects stream at the commit the agent has
   * delivers nothing for hours, then ends at kas's maximum connection age
   * (2 h): without this, each such end would grow the reconnect delay until
   * agentk spent 5 minutes deaf after every one. Default 60 s.
   */
  readonly healthyAfterMs?: number;
  readonly now?: () => number;
}

/**
 * Keeps a server-streaming call open for as long as `signal` is not aborted:
 * reconnects with exponential backoff and jitter after any end or error, and
 * resets the backoff once a call has delivered something usable.
 */
export async function runResilientStream<T>(opts: ResilientStreamOptions<T>): Promise<void> {
  const backoff = createBackoff(opts.backoff);
  const now = opts.now ?? Date.now;
  while (!opts.signal.aborted) {
    const opened = now();
    const { status, details, delivered, violated } = await oneCall(opts);
    if (opts.signal.aborted) return;
    opts.onCallEnded?.(status, details);
    if (delivered || (!violated && now() - opened >= (opts.healthyAfterMs ?? 60_000))) backoff.reset();
    const delay = backoff.next();
    const log = status === grpc.status.UNAUTHENTICATED || status === grpc.status.PERMISSION_DENIED ? opts.logger.error : opts.logger.warn;
    log(`${opts.name} stream ended; reconnecting`, {
      [F.grpcCode]: grpc.status[status] ?? status,
      [F.error]: details,
      [F.attempt]: backoff.attempt,
      [F.retryInMs]: delay,
    });
    await sleep(delay, opts.signal);
  }
}

function oneCall<T>(opts: ResilientStreamOptions<T>): Promise<{ status: grpc.status; details: string; delivered: boolean; violated: boolean }> {
  return new Promise((resolve) => {
    let delivered = false;
    let violated = false;
    let settled = false;
    let call: grpc.ClientReadableStream<T>;
    try {
      call = opts.open();
    } catch (err) {
      // A call that cannot even start (e.g. a request that does not serialize) is retried like one that failed, not thrown out of the loop.
      return resolve({ status: grpc.status.INTERNAL, details: err instanceof Error ? err.message : String(err), delivered, violated: true });
    }
    const finish = (status: grpc.status, details: string): void => {
      if (settled) return;
      settled = true;
      opts.signal.removeEventListener("abort", onAbort);
      resolve({ status, details, delivered, violated });
    };
    const onAbort = (): void => call.cancel();
    opts.signal.addEventListener("abort", onAbort, { once: true });
    call.on("data", (msg: T) => {
      // Messages already buffered when the call was given up on belong to a stream no longer trusted.
      if (settled) return;
      try {
        if (opts.onMessage(msg)) delivered = true;
      } catch (err) {
        violated = true;
        call.cancel();
        finish(grpc.status.INTERNAL, err instanceof Error ? err.message : String(err));
      }
    });
    call.on("error", (err: grpc.ServiceError) => finish(err.code ?? grpc.status.UNKNOWN, err.details || err.message));
    call.on("end", () => finish(grpc.status.OK, "stream closed by kas"));
  });
}
