import * as http from "node:http";
import * as https from "node:https";
import type { ClusterAccess } from "./access";
import { KubeApiError } from "./errors";

export interface RequestOptions {
  readonly query?: Record<string, string | undefined>;
  readonly body?: unknown;
  readonly contentType?: string;
  readonly signal?: AbortSignal;
  /**
   * A long-lived response (a watch): it gets its own connection, outside the
   * pool of requests, so any number of watches cannot starve applies.
   */
  readonly longLived?: boolean;
}

/** Counts of requests by HTTP method, so tests and benchmarks can see writes. */
export type RequestCounts = Record<string, number>;

/**
 * A thin JSON client over one keep-alive agent. We do not use client-node's
 * typed models for writes: they silently drop fields they do not know
 * (NOTES.md), and server-side apply must send the manifest exactly as written.
 */
export class KubeClient {
  readonly counts: RequestCounts = {};
  readonly server: URL;
  private readonly agent: https.Agent | http.Agent;
  private readonly watchAgent: https.Agent | http.Agent;
  /** Requests through the reverse tunnel: kas bounds how many run at once, so no socket cap here. */
  private readonly tunnelAgent: https.Agent | http.Agent;
  private readonly mod: typeof https | typeof http;

  private constructor(private readonly access: ClusterAccess) {
    this.server = access.server;
    const { ca, cert, key, rejectUnauthorized, servername } = access.tls;
    this.mod = this.server.protocol === "https:" ? https : http;
    const agent = (opts: http.AgentOptions) => (this.mod === https ? new https.Agent({ ...opts, ca, cert, key, rejectUnauthorized, servername }) : new http.Agent(opts));
    this.agent = agent({ keepAlive: true, maxSockets: 16 });
    // HTTP/1.1 holds a connection per open watch: no cap, or the 17th watch would wait forever.
    this.watchAgent = agent({ keepAlive: false });
    this.tunnelAgent = agent({ keepAlive: true });
  }

  static fromAccess(access: ClusterAccess): KubeClient {
    return new KubeClient(access);
  }

  async request<T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const res = await this.raw(method, path, options);
    if (res.status < 200 || res.status >= 300) throw KubeApiError.from(res.status, res.body, method, path);
    return (res.body ? JSON.parse(res.body) : undefined) as T;
  }

  /** The response as-is (no status check); used by watch and tests. */
  async raw(method: string, path: string, options: RequestOptions = {}): Promise<{ status: number; body: string }> {
    const res = await this.open(method, path, options);
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    return { status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") };
  }

  /** Opens a request and returns the response stream (watch). */
  async open(method: string, path: string, options: RequestOptions = {}): Promise<http.IncomingMessage> {
    const url = new URL(path, this.server);
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const reqOpts: https.RequestOptions = {
      method,
      agent: options.longLived ? this.watchAgent : this.agent,
      headers: { ...(await this.access.headers()), accept: "application/json" },
    };
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    if (payload !== undefined) {
      // An explicit length: a chunked DELETE body confuses the next request on a kept-alive connection.
      reqOpts.headers = {
        ...reqOpts.headers,
        "content-type": options.contentType ?? "application/json",
        "content-length": String(Buffer.byteLength(payload)),
      };
    }
    this.counts[method] = (this.counts[method] ?? 0) + 1;
    return new Promise((resolve, reject) => {
      // Its own signal following the caller's: Node adds an abort listener per request to the signal it is
      // given, and a worker's or drift watcher's signal is shared by more than 10 requests at once (a
      // MaxListenersExceededWarning); a dependent signal from AbortSignal.any adds no listener to its source.
      const signal = options.signal && AbortSignal.any([options.signal]);
      const req = this.mod.request(url, { ...reqOpts, signal }, resolve);
      req.on("error", reject);
      // Headers and body in one socket write.
      req.end(payload);
    });
  }

  /**
   * A raw request to this apiserver and nothing else, with the agent's own
   * credentials added to `headers` (which must not carry any): the reverse
   * tunnel's. The caller writes the body and ends it; the response (or an
   * 'upgrade') comes as events on the returned request.
   */
  async forward(method: string, pathAndQuery: string, headers: Readonly<Record<string, string | string[]>>, signal?: AbortSignal): Promise<http.ClientRequest> {
    const url = new URL(pathAndQuery, this.server);
    if (!pathAndQuery.startsWith("/") || pathAndQuery.startsWith("//") || url.origin !== this.server.origin) {
      throw new Error(`${JSON.stringify(pathAndQuery)} is not a path on ${this.server.origin}`);
    }
    this.counts[method] = (this.counts[method] ?? 0) + 1;
    const all = { ...headers, ...(await this.access.headers()) };
    return this.mod.request(url, { method, agent: this.tunnelAgent, headers: all, signal: signal && AbortSignal.any([signal]) });
  }

  close(): void {
    this.agent.destroy();
    this.watchAgent.destroy();
    this.tunnelAgent.destroy();
  }
}
