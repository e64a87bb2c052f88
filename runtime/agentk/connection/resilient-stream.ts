import * as grpc from "@grpc/grpc-js";
import { createBackoff, F, sleep, type BackoffOptions, type Logger } from "../../common";

export interface ResilientStreamOptions<T> {
  /** What the stream is, for logs ("configuration", "objects of group/project"). */
  readonly name: string;
  /** Opens a new call; called again after every failure. */
  readonly open: () => grpc.ClientReadableStream<T>;
  /** Handles one message; throwing cancels the call and reconnects (e.g. out-of-order stream). */
  readonly onMessage: (msg: T) => void;
  readonly backoff?: BackoffOptions;
  readonly logger: Logger;
  readonly signal: AbortSignal;
  /** Called each time a call ends with a status (for metrics/tests). */
  readonly onCallEnded?: (status: grpc.status, details: string) => void;
}

/**
 * Keeps a server-streaming call open for as long as `signal` is not aborted:
 * reconnects with exponential backoff and jitter after any end or error, and
 * resets the backoff once a message has arrived.
 */
export async function runResilientStream<T>(opts: ResilientStreamOptions<T>): Promise<void> {
  const backoff = createBackoff(opts.backoff);
  while (!opts.signal.aborted) {
    const { status, details, received } = await oneCall(opts);
    if (opts.signal.aborted) return;
    opts.onCallEnded?.(status, details);
    if (received) backoff.reset();
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

function oneCall<T>(opts: ResilientStreamOptions<T>): Promise<{ status: grpc.status; details: string; received: boolean }> {
  return new Promise((resolve) => {
    let received = false;
    let settled = false;
    const call = opts.open();
    const finish = (status: grpc.status, details: string): void => {
      if (settled) return;
      settled = true;
      opts.signal.removeEventListener("abort", onAbort);
      resolve({ status, details, received });
    };
    const onAbort = (): void => call.cancel();
    opts.signal.addEventListener("abort", onAbort, { once: true });
    call.on("data", (msg: T) => {
      received = true;
      try {
        opts.onMessage(msg);
      } catch (err) {
        call.cancel();
        finish(grpc.status.INTERNAL, err instanceof Error ? err.message : String(err));
      }
    });
    call.on("error", (err: grpc.ServiceError) => finish(err.code ?? grpc.status.UNKNOWN, err.details || err.message));
    call.on("end", () => finish(grpc.status.OK, "stream closed by kas"));
  });
}
