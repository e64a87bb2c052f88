/**
 * A remote repository mirrored into a bare cache repository by smart-HTTP
 * fetches (isomorphic-git). Branches land on `refs/heads/*` (force: a branch
 * moving backwards is normal), tags on `refs/tags/*`, and the cache's HEAD
 * follows the remote's default branch, so reading the cache is the same as
 * reading a local bare repository.
 */
import * as fs from "node:fs";
import * as httpModule from "node:http";
import * as https from "node:https";
import git, { type HttpClient } from "isomorphic-git";
import http from "isomorphic-git/http/node";
import { SourceUnavailableError } from "./errors";
import { DEFAULT_MAX_OBJECT_BYTES, findOversizedObject } from "./odb";

class OversizedPackError extends Error {}
import { redactUrl } from "./paths";

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

export interface RemoteOptions {
  readonly projectId: string;
  readonly url: string;
  readonly credentials?: Credentials;
  readonly gitdir: string;
  /** A fetch reused by callers for this long. */
  readonly maxAgeMs: number;
  /** Socket inactivity limit of one HTTP request. */
  readonly timeoutMs: number;
  readonly now?: () => number;
  /** Called once per failed fetch (not once per caller sharing it). */
  readonly onFetchFailed?: (projectId: string) => void;
}

const agents = { http: new httpModule.Agent({ keepAlive: false }), https: new https.Agent({ keepAlive: false }) };

export class RemoteRepository {
  /** Bumped by invalidate(): a fetch started before it no longer counts. */
  private generation = 0;
  private fetched = { generation: -1, at: -Infinity };
  private inflight?: { readonly promise: Promise<void>; readonly generation: number };
  private readonly http: HttpClient;
  private readonly now: () => number;

  constructor(private readonly options: RemoteOptions) {
    this.now = options.now ?? Date.now;
    const agent = /^https:/i.test(options.url) ? agents.https : agents.http;
    this.http = {
      request: (req) => http.request({ ...req, agent, fetchOptions: { ...req.fetchOptions, timeout: options.timeoutMs } }),
    };
  }

  get gitdir(): string {
    return this.options.gitdir;
  }

  /** The next update() fetches, even if the last fetch is recent (a push webhook arrived). */
  invalidate(): void {
    this.generation++;
  }

  /**
   * Fetches unless a fetch newer than maxAgeMs (and than the last invalidate())
   * exists or is under way; concurrent callers share one fetch. Throws
   * SourceUnavailableError when the remote cannot be fetched.
   */
  async update(): Promise<void> {
    const wanted = this.generation;
    for (;;) {
      const inflight = this.inflight;
      if (inflight !== undefined) {
        if (inflight.generation >= wanted) return inflight.promise;
        await inflight.promise.catch(() => undefined);
        continue;
      }
      if (this.fetched.generation >= wanted && this.now() - this.fetched.at <= this.options.maxAgeMs) return;
      const generation = this.generation;
      const promise = this.fetch()
        .then(
          () => {
            this.fetched = { generation, at: this.now() };
          },
          (err: unknown) => {
            this.options.onFetchFailed?.(this.options.projectId);
            throw err;
          },
        )
        .finally(() => {
          this.inflight = undefined;
        });
      this.inflight = { promise, generation };
      return promise;
    }
  }

  /**
   * node:fs for isomorphic-git's fetch, except that a pack is checked before
   * it is written (and then indexed): an object over the limit refuses the
   * fetch, naming its size, instead of being inflated whole in memory.
   */
  private readonly checkedFs = {
    ...fs,
    promises: {
      ...fs.promises,
      writeFile: async (file: string, data: Buffer | string, options?: fs.WriteFileOptions): Promise<void> => {
        if (file.endsWith(".pack") && Buffer.isBuffer(data)) {
          const big = findOversizedObject(data, DEFAULT_MAX_OBJECT_BYTES);
          if (big) throw new OversizedPackError(`the fetched pack holds an object of ${big.bytes} bytes, over the limit of ${DEFAULT_MAX_OBJECT_BYTES} bytes; nothing fetched`);
        }
        return fs.promises.writeFile(file, data, options);
      },
    },
  };

  private async fetch(): Promise<void> {
    const { gitdir, url, credentials } = this.options;
    try {
      await this.init();
      const result = await git.fetch({
        fs: this.checkedFs,
        http: this.http,
        gitdir,
        url,
        remote: "origin",
        tags: true,
        prune: true,
        pruneTags: true,
        onAuth: credentials ? () => ({ username: credentials.username, password: credentials.password }) : undefined,
      });
      if (result.defaultBranch) {
        await git.writeRef({ fs, gitdir, ref: "HEAD", value: result.defaultBranch, symbolic: true, force: true });
      }
    } catch (e) {
      throw new SourceUnavailableError(this.options.projectId, redactUrl(url), this.reason(e));
    }
  }

  private async init(): Promise<void> {
    const { gitdir, url } = this.options;
    if (fs.existsSync(`${gitdir}/HEAD`)) return;
    await git.init({ fs, gitdir, bare: true });
    await git.setConfig({ fs, gitdir, path: "remote.origin.url", value: redactUrl(url) });
    await git.setConfig({ fs, gitdir, path: "remote.origin.fetch", value: "+refs/heads/*:refs/heads/*" });
  }

  /** Why a fetch failed, in words, with no credential in them. */
  private reason(e: unknown): string {
    const err = e as { code?: string; data?: { statusCode?: number; statusMessage?: string }; message?: string };
    const status = err.data?.statusCode;
    const configured = this.options.credentials !== undefined || redactUrl(this.options.url) !== this.options.url;
    const withCredentials = configured ? "with the configured credentials" : "no credentials configured";
    if (err.code === "HttpError" && (status === 401 || status === 403)) return `authentication failed (HTTP ${status}, ${withCredentials})`;
    if (e instanceof OversizedPackError) return e.message;
    if (err.code === "UserCanceledError") return `authentication failed (${withCredentials})`;
    if (err.code === "HttpError" && status === 404) return "repository not found (HTTP 404)";
    if (err.code === "HttpError") return `HTTP ${status} ${err.data?.statusMessage ?? ""}`.trim();
    if (err.code !== undefined && /^E[A-Z]+$/.test(err.code)) return `cannot connect (${err.code})`;
    return this.scrub(err.message ?? String(e));
  }

  private scrub(message: string): string {
    let out = message.split(this.options.url).join(redactUrl(this.options.url));
    const password = this.options.credentials?.password;
    if (password) out = out.split(password).join("***");
    return out;
  }
}
