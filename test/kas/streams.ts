import type * as grpc from "@grpc/grpc-js";

export interface Recorded<T> {
  readonly items: T[];
  /** Resolves once `n` messages arrived (rejects after timeoutMs, or if the call fails first). */
  atLeast(n: number, timeoutMs?: number): Promise<T[]>;
  /** Resolves with the error the call ends with. */
  failed(timeoutMs?: number): Promise<grpc.ServiceError>;
  cancel(): void;
}

/** Records a server stream so a test can wait for messages or for its error. */
export function record<T>(call: grpc.ClientReadableStream<T>): Recorded<T> {
  const items: T[] = [];
  let error: grpc.ServiceError | undefined;
  const waiters = new Set<() => void>();
  const wake = (): void => waiters.forEach((w) => w());
  call.on("data", (d: T) => {
    items.push(d);
    wake();
  });
  call.on("error", (e: grpc.ServiceError) => {
    error = e;
    wake();
  });
  const until = <R>(check: () => R | undefined, timeoutMs: number, what: string): Promise<R> =>
    new Promise((resolve, reject) => {
      const attempt = (): void => {
        try {
          const r = check();
          if (r === undefined) return;
          cleanup();
          resolve(r);
        } catch (err) {
          cleanup();
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${timeoutMs}ms waiting for ${what}; got ${items.length} messages${error ? `, error ${error.message}` : ""}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        waiters.delete(onWake);
      };
      const onWake = (): void => attempt();
      waiters.add(onWake);
      attempt();
    });
  return {
    items,
    atLeast: (n, timeoutMs = 10_000) =>
      until(
        () => {
          if (items.length >= n) return items.slice();
          if (error) throw error;
          return undefined;
        },
        timeoutMs,
        `${n} messages`,
      ),
    failed: (timeoutMs = 10_000) => until(() => error, timeoutMs, "the call to fail"),
    cancel: () => call.cancel(),
  };
}

export const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
