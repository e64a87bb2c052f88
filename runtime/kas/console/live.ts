/**
 * Live updates of the console: Server-Sent Events at /api/v1/events. While
 * any client listens, the shared state is read every `pollMs` (what every
 * replica shares changes without telling this one), as each viewer may see
 * it, and a `changed` event goes to a client only when what its viewer sees
 * differs: a GitLab user is not told of changes to agents they may not see
 * (the event carries a counter, nothing of the agents). The page then
 * fetches itself again. Clients of the same viewer share one computation.
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
import { mapPool } from "../../common";
import type { ConsoleViewer } from "./viewer";

export interface LiveLimits {
  readonly maxClients: number;
  readonly heartbeatMs: number;
  readonly pollMs: number;
  readonly maxBufferedBytes: number;
  /** A stream's lifetime; the browser then reconnects. */
  readonly maxStreamMs: number;
}

export const DEFAULT_LIVE_LIMITS: LiveLimits = { maxClients: 100, heartbeatMs: 15_000, pollMs: 1_000, maxBufferedBytes: 64 * 1024, maxStreamMs: 10 * 60_000 };

/** How many viewers' states are computed at once in one poll. */
const VIEWER_CONCURRENCY = 4;

interface Client {
  readonly res: http.ServerResponse;
  readonly viewer: ConsoleViewer;
  /** Who sees the same: the operator, or one GitLab user with one token (hashed: the token is never kept in a key). */
  readonly key: string;
  readonly session?: string;
}

/** Per viewer: the digest of what they saw at the last poll, and their `changed` counter. */
interface Seen {
  digest: string;
  revision: number;
}

export function viewerKey(viewer: ConsoleViewer): string {
  if (viewer.kind === "api-token") return "api-token";
  return `gitlab-user:${viewer.username}:${createHash("sha256").update(viewer.accessToken).digest("hex").slice(0, 32)}`;
}

export class LiveHub {
  private readonly clients = new Set<Client>();
  private timer?: NodeJS.Timeout;
  private heartbeat?: NodeJS.Timeout;
  private readonly seen = new Map<string, Seen>();
  private polling = false;

  /** `state` answers what the pages show to a viewer, serialised (compared by hash). */
  constructor(
    private readonly state: (viewer: ConsoleViewer) => Promise<string>,
    private readonly limits: LiveLimits = DEFAULT_LIVE_LIMITS,
  ) {}

  get size(): number {
    return this.clients.size;
  }

  /** Starts an event stream on `res` for `viewer`, for at most `lifetimeMs` (a session's rest) and maxStreamMs; false when full (the caller answers 503). */
  attach(res: http.ServerResponse, viewer: ConsoleViewer, session?: string, lifetimeMs = Infinity): boolean {
    if (this.clients.size >= this.limits.maxClients) return false;
    const client: Client = { res, viewer, key: viewerKey(viewer), ...(session ? { session } : {}) };
    this.clients.add(client);
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", "x-accel-buffering": "no", connection: "keep-alive" });
    res.write(`retry: 3000\nevent: hello\ndata: ${this.seen.get(client.key)?.revision ?? 0}\n\n`);
    const lifetime = setTimeout(() => this.end(client), Math.min(lifetimeMs, this.limits.maxStreamMs));
    lifetime.unref();
    // The response's close is the stream's end (the request's fires as soon as its empty body is read).
    res.once("close", () => {
      clearTimeout(lifetime);
      this.clients.delete(client);
    });
    // A viewer new to a running hub: their baseline now rather than at the next tick.
    if (this.timer && !this.seen.has(client.key)) void this.poll();
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
    this.heartbeat = setInterval(() => this.send(this.clients, ": heartbeat\n\n"), this.limits.heartbeatMs);
    this.timer.unref();
    this.heartbeat.unref();
    void this.poll(); // the baseline now: a change before the first tick is a change too
  }

  private stop(): void {
    clearInterval(this.timer);
    clearInterval(this.heartbeat);
    this.timer = this.heartbeat = undefined;
    this.seen.clear();
  }

  private async poll(): Promise<void> {
    if (this.clients.size === 0) return this.stop();
    if (this.polling) return;
    this.polling = true;
    try {
      const byKey = new Map<string, Client[]>();
      for (const c of this.clients) byKey.set(c.key, [...(byKey.get(c.key) ?? []), c]);
      for (const key of this.seen.keys()) if (!byKey.has(key)) this.seen.delete(key);
      await mapPool([...byKey.values()], VIEWER_CONCURRENCY, (group) => this.pollViewer(group));
    } finally {
      this.polling = false;
    }
  }

  /** One viewer's clients: `changed` when what that viewer sees differs from the last poll (the first poll is the baseline). */
  private async pollViewer(group: readonly Client[]): Promise<void> {
    const first = group[0] as Client;
    let digest: string;
    try {
      digest = createHash("sha256").update(await this.state(first.viewer)).digest("hex");
    } catch {
      return; // The state could not be read this time: the next poll tries again.
    }
    const seen = this.seen.get(first.key);
    if (seen === undefined) return void this.seen.set(first.key, { digest, revision: 0 });
    if (seen.digest === digest) return;
    seen.digest = digest;
    this.send(group, `event: changed\ndata: ${++seen.revision}\n\n`);
  }

  private send(clients: Iterable<Client>, chunk: string): void {
    for (const c of [...clients]) {
      if (!this.clients.has(c)) continue;
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
