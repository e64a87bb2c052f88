import type * as http from "node:http";

export type BodyResult =
  | { readonly ok: true; readonly body: Buffer }
  /** Over the limit. `drained`: the whole request was read, so answering and closing does not reset the connection. */
  | { readonly ok: false; readonly reason: "too_large"; readonly drained: boolean }
  /** The peer went away or the stream failed: nobody to answer. */
  | { readonly ok: false; readonly reason: "aborted" };

export interface ReadBodyOptions {
  /** Bytes kept, at most. */
  readonly max: number;
  /** Bytes read and dropped past `max` before giving up on draining. Default 16 MiB. */
  readonly drainMax?: number;
  /** Time allowed for draining. Default 10 s. */
  readonly drainMs?: number;
}

/**
 * Reads a request body of at most `max` bytes. Past the limit nothing more is
 * kept, but the rest is still read (and dropped), bounded by `drainMax` and
 * `drainMs`: closing a socket with unread data makes the kernel send a TCP
 * reset, and the client then sees "connection reset" instead of our 413
 * (issue 13 item 10). A Content-Length over the limit is known too large at once.
 */
export function readBody(req: http.IncomingMessage, options: ReadBodyOptions): Promise<BodyResult> {
  const { max } = options;
  const drainMax = options.drainMax ?? 16 * 1024 * 1024;
  const drainMs = options.drainMs ?? 10_000;
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    let dropped = 0;
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const finish = (result: BodyResult): void => {
      if (settled) return;
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      req.off("data", onData);
      if (!result.ok && !(result.reason === "too_large" && result.drained)) req.pause();
      resolve(result);
    };
    const overLimit = (): void => {
      tooLarge = true;
      chunks.length = 0;
      timer = setTimeout(() => finish({ ok: false, reason: "too_large", drained: false }), drainMs);
      timer.unref();
    };
    const onData = (c: Buffer): void => {
      if (tooLarge) {
        dropped += c.length;
        if (dropped > drainMax) finish({ ok: false, reason: "too_large", drained: false });
        return;
      }
      size += c.length;
      if (size > max) overLimit();
      else chunks.push(c);
    };
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > max) overLimit();
    req.on("data", onData);
    req.once("end", () => finish(tooLarge ? { ok: false, reason: "too_large", drained: true } : { ok: true, body: Buffer.concat(chunks) }));
    req.once("aborted", () => finish({ ok: false, reason: "aborted" }));
    req.once("error", () => finish({ ok: false, reason: "aborted" }));
    // After "end" this is a no-op; before it, the peer is gone.
    req.once("close", () => finish({ ok: false, reason: "aborted" }));
  });
}
