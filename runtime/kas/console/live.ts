/**
 * Live updates of the console: Server-Sent Events at /api/v1/events. While
 * any client listens, the shared state is read every `pollMs` (what every
 * replica shares changes without telling this one) and a `changed` event
 * goes to each client when it differs; the page then fetches itself again.
 * Bounded: at most `maxClients` streams; a client that does not read (its
 * socket buffer past `maxBufferedBytes`) is dropped, never buffered for;
 * each stream ends after `maxStreamMs` (the kernel's socket buffers take
 * megabytes of heartbeats before a client that never reads shows in
 * `writableLength`, so only a lifetime frees its slot; the browser's
 * EventSource reconnects and the page fetches itself then); heartbeats keep
 * proxies from closing an idle stream; sign-out and kas's shutdown end the
 * streams.
 */
import { createHash } from "node:crypto";
import type * as http from "node:http";

export interface LiveLimits {
  readonly maxClients: number;
  readonly heartbeatMs: number;
  readonly pollMs: number;
  readonly maxBufferedBytes: number;
  /** A stream's lifetime; the browser then reconnects. */
  readonly maxStreamMs: number;
}

export const DEFAULT_LIVE_LIMITS: LiveLimits = { maxClients: 100, heartbeatMs: 15_000, pollMs: 1_000, maxBufferedBytes: 64 * 1024, maxStreamMs: 10 * 60_000 };

interface Client {
  readonly res: http.ServerResponse;
  readonly session?: string;
}

export class LiveHub {
  private readonly clients = new Set<Client>();
  private timer?: NodeJS.Timeout;
  private heartbeat?: NodeJS.Timeout;
  private last?: string;
  private revision = 0;
  private polling = false;

  /** `state` answers what the pages show, serialised (compared by hash). */
  constructor(
    private readonly state: () => Promise<string>,
    private readonly limits: LiveLimits = DEFAULT_LIVE_LIMITS,
  ) {}

  get size(): number {
    return this.clients.size;
  }

  /** Starts an event stream on `res`, for at most `lifetimeMs` (a session's rest) and maxStreamMs; false when full (the caller answers 503). */
  attach(res: http.ServerResponse, session?: string, lifetimeMs = Infinity): boolean {
    if (this.clients.size >= this.limits.maxClients) return false;
    const client: Client = { res, ...(session ? { session } : {}) };
    this.clients.add(client);
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", "x-accel-buffering": "no", connection: "keep-alive" });
    res.write(`retry: 3000\nevent: hello\ndata: ${this.revision}\n\n`);
    const lifetime = setTimeout(() => this.end(client), Math.min(lifetimeMs, this.limits.maxStreamMs));
    lifetime.unref();
    // The response's close is the stream's end (the request's fires as soon as its empty body is read).
    res.once("close", () => {
      clearTimeout(lifetime);
      this.clients.delete(client);
    });
    this.start();
    return true;
  }

  /** Ends the streams of `session` (signed out). */
  endSession(session: string): void {
    for (const c of this.clients) if (c.session === session) this.end(c);
  }

  close(): void {
    this.stop();
    for (const c of this.clients) this.end(c);
  }

  private start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.poll(), this.limits.pollMs);
    this.heartbeat = setInterval(() => this.send(": heartbeat\n\n"), this.limits.heartbeatMs);
    this.timer.unref();
    this.heartbeat.unref();
    void this.poll(); // the baseline now: a change before the first tick is a change too
  }

  private stop(): void {
    clearInterval(this.timer);
    clearInterval(this.heartbeat);
    this.timer = this.heartbeat = undefined;
    this.last = undefined;
  }

  private async poll(): Promise<void> {
    if (this.clients.size === 0) return this.stop();
    if (this.polling) return;
    this.polling = true;
    try {
      const digest = createHash("sha256").update(await this.state()).digest("hex");
      if (this.last !== undefined && digest !== this.last) this.send(`event: changed\ndata: ${++this.revision}\n\n`);
      this.last = digest;
    } catch {
      // The state could not be read this time: the next poll tries again.
    } finally {
      this.polling = false;
    }
  }

  private send(chunk: string): void {
    for (const c of this.clients) {
      if (c.res.writableLength > this.limits.maxBufferedBytes) {
        this.end(c); // it does not read: drop it rather than buffer without bound
        continue;
      }
      c.res.write(chunk);
    }
  }

  private end(c: Client): void {
    this.clients.delete(c);
    c.res.end();
    c.res.socket?.destroy();
  }
}
