/**
 * What one client may hold of kas's Kubernetes API proxy: requests per
 * credential, a request body's bytes, and time spent waiting on a client that
 * neither sends what kas waits for nor reads what kas has for it. Pure
 * counting and stream wrappers; the proxy turns their verdicts into answers.
 */
import { once } from "node:events";
import type { Writable } from "node:stream";

/** Open requests per credential fingerprint; the map holds only credentials with a request open. */
export class CredentialLimiter {
  private readonly open = new Map<string, number>();

  constructor(readonly max: number) {}

  /** Takes a slot for `key` until `until` aborts (at once if it has); false at the limit. */
  take(key: string, until: AbortSignal): boolean {
    const n = this.open.get(key) ?? 0;
    if (n >= this.max) return false;
    this.open.set(key, n + 1);
    const release = (): void => {
      const left = (this.open.get(key) ?? 1) - 1;
      if (left <= 0) this.open.delete(key);
      else this.open.set(key, left);
    };
    if (until.aborted) release();
    else until.addEventListener("abort", release, { once: true });
    return true;
  }

  /** Requests open for `key`, or for all credentials. */
  count(key?: string): number {
    if (key !== undefined) return this.open.get(key) ?? 0;
    let n = 0;
    for (const v of this.open.values()) n += v;
    return n;
  }
}

/** The path to forward: `url` without `prefix`, or undefined when `url` is outside it. */
export function stripPrefix(url: string, prefix: string): string | undefined {
  if (prefix === "") return url;
  if (!url.startsWith(prefix)) return undefined;
  const rest = url.slice(prefix.length);
  if (rest === "" || rest.startsWith("?")) return `/${rest}`;
  return rest.startsWith("/") ? rest : undefined;
}

/** Why a request body stopped: over the byte limit, or the client sent nothing for the idle time. */
export class BodyLimitError extends Error {
  override readonly name = "BodyLimitError";
  constructor(
    message: string,
    readonly kind: "too_large" | "idle",
  ) {
    super(message);
  }
}

/**
 * `body`'s chunks, counted: past `maxBytes` (with or without a Content-Length)
 * or after `idleMs` without a chunk it throws BodyLimitError. `onLimit` is
 * told first, so the caller knows why the tunnel was cancelled.
 */
export async function* limitedBody(body: AsyncIterable<Buffer>, maxBytes: number, idleMs: number, onLimit: (err: BodyLimitError) => void): AsyncGenerator<Buffer> {
  const it = body[Symbol.asyncIterator]();
  let total = 0;
  for (;;) {
    let timer: NodeJS.Timeout | undefined;
    const idle = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new BodyLimitError(`the client sent no request body bytes for ${idleMs / 1000} s`, "idle")), idleMs);
    });
    let next: IteratorResult<Buffer>;
    try {
      next = await Promise.race([it.next(), idle]);
    } catch (err) {
      if (err instanceof BodyLimitError) onLimit(err);
      throw err;
    } finally {
      clearTimeout(timer);
    }
    if (next.done) return;
    total += next.value.length;
    if (total > maxBytes) {
      const err = new BodyLimitError(`the request body is larger than ${maxBytes} bytes`, "too_large");
      onLimit(err);
      throw err;
    }
    yield next.value;
  }
}

/** Thrown when a client reads nothing of what kas has for it for the idle time. */
export class StalledReaderError extends Error {
  override readonly name = "StalledReaderError";
}

/** Waits for `out` to drain; throws StalledReaderError after `idleMs`, or AbortError when `gone` aborts. */
export async function drained(out: Writable, gone: AbortSignal, idleMs: number): Promise<void> {
  const timeout = AbortSignal.timeout(idleMs);
  try {
    await once(out, "drain", { signal: AbortSignal.any([gone, timeout]) });
  } catch (err) {
    if (timeout.aborted && !gone.aborted) throw new StalledReaderError(`the client read nothing for ${idleMs / 1000} s`);
    throw err;
  }
}
