/**
 * One gRPC bidi call (either end) as the private API uses it: messages are
 * pulled one at a time (grpc-js reads the next only when asked) and writes
 * wait for 'drain', so neither direction holds more than a message or two per
 * call, whatever the peer sends. `onEnd` fires once when the call is over for
 * any reason (cancelled, failed, closed).
 */
import { untilEnded } from "../tunnel";

/** Either end of a grpc-js bidi call, as far as a pipe needs it. */
export interface PipeStream<Out> {
  [Symbol.asyncIterator](): AsyncIterator<unknown>;
  on(event: string, listener: (err: Error) => void): unknown;
  once(event: string, listener: () => void): unknown;
  write(msg: Out): boolean;
  end(): unknown;
}

export class PipeClosedError extends Error {
  override readonly name = "PipeClosedError";
}

export class MessagePipe<In, Out> {
  private readonly messages: AsyncIterator<In>;
  private readonly ends = new Set<() => void>();
  private endedFlag = false;
  /** Why the call failed, when it did (the grpc-js status error on the client side). */
  failure: Error | undefined;

  constructor(private readonly stream: PipeStream<Out>) {
    this.messages = stream[Symbol.asyncIterator]() as AsyncIterator<In>;
    const end = (): void => this.end();
    stream.on("close", end);
    stream.on("cancelled", end);
    stream.on("error", (err: Error) => {
      this.failure ??= err;
      end();
    });
  }

  get ended(): boolean {
    return this.endedFlag;
  }

  /** Runs `fn` once the call is over (at once if it is); returns how to take it back. */
  onEnd(fn: () => void): () => void {
    if (this.endedFlag) {
      fn();
      return () => undefined;
    }
    this.ends.add(fn);
    return () => this.ends.delete(fn);
  }

  /** The peer's next message; undefined at the end of its side; throws once the call is over otherwise. */
  async next(): Promise<In | undefined> {
    const r = await this.untilEnded(this.messages.next());
    return r.done ? undefined : r.value;
  }

  /** Writes one message, waiting for 'drain' when the call's buffer is full. */
  async write(msg: Out): Promise<void> {
    if (this.endedFlag) throw new PipeClosedError("the call is over");
    if (this.stream.write(msg)) return;
    await this.untilEnded(new Promise<void>((resolve) => this.stream.once("drain", () => resolve())));
  }

  /** Ends our side of the call (the server: with status OK). */
  close(): void {
    if (!this.endedFlag) this.stream.end();
  }

  private end(): void {
    if (this.endedFlag) return;
    this.endedFlag = true;
    for (const fn of [...this.ends]) fn();
    this.ends.clear();
  }

  /** `p`, or PipeClosedError (or why the call failed) once the call is over. */
  private untilEnded<T>(p: Promise<T>): Promise<T> {
    return untilEnded(p, (fn) => this.onEnd(fn), () => this.failure ?? new PipeClosedError("the call is over"));
  }
}

/** `p`, or `onTimeout()`'s error after `ms`. */
export function within<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
