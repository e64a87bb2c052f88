/**
 * An issuer's signing keys, found by OIDC discovery
 * (`<issuer>/.well-known/openid-configuration` -> `jwks_uri`) and cached.
 * An unknown kid (the issuer rotated its keys) refetches, at most once per
 * `minRefreshMs` so a stream of forged kids cannot make kas hammer the issuer;
 * fetches have a timeout and a size cap, and only http(s) URLs are fetched,
 * never https downgraded to http.
 */
import type { Jwk, KeySource } from "./jwt";

export interface JwksOptions {
  /** The issuer URL from kas config (http or https). */
  readonly issuer: string;
  /** Skip discovery and read keys here. */
  readonly jwksUri?: string;
  /** Default 5 s per request. */
  readonly fetchTimeoutMs?: number;
  /** Largest discovery document or key set read. Default 256 KiB. */
  readonly maxBytes?: number;
  /** Keys kept from one key set (the first ones). Default 64. */
  readonly maxKeys?: number;
  /** Least time between two fetches. Default 30 s. */
  readonly minRefreshMs?: number;
  /** Keys older than this are refetched on the next lookup. Default 1 h. */
  readonly maxAgeMs?: number;
  /** Milliseconds; default Date.now. */
  readonly now?: () => number;
}

export const JWKS_DEFAULTS = { fetchTimeoutMs: 5000, maxBytes: 256 * 1024, maxKeys: 64, minRefreshMs: 30_000, maxAgeMs: 3_600_000 } as const;

export class JwksCache implements KeySource {
  private keys = new Map<string, Jwk>();
  private jwksUri: string | undefined;
  private fetchedAt = -Infinity;
  private attemptedAt = -Infinity;
  private inflight: Promise<void> | undefined;
  private readonly o: Required<Omit<JwksOptions, "jwksUri">>;
  /** How many times keys were fetched (discovery not counted). */
  fetches = 0;

  constructor(options: JwksOptions) {
    this.o = { ...JWKS_DEFAULTS, now: Date.now, ...options };
    checkUrl(options.issuer, "issuer");
    this.jwksUri = options.jwksUri === undefined ? undefined : checkUrl(options.jwksUri, "jwks_uri", options.issuer);
  }

  /** Throws (with the cause) only when the keys could not be fetched at all. */
  async key(kid: string): Promise<Jwk | undefined> {
    const now = this.o.now();
    const fresh = now - this.fetchedAt < this.o.maxAgeMs;
    if (fresh && this.keys.has(kid)) return this.keys.get(kid);
    if (this.inflight === undefined && now - this.attemptedAt < this.o.minRefreshMs) return this.keys.get(kid);
    this.inflight ??= this.refresh().finally(() => (this.inflight = undefined));
    try {
      await this.inflight;
    } catch (e) {
      const known = this.keys.get(kid);
      if (known !== undefined) return known; // the issuer is down: keep using what it published
      throw e;
    }
    return this.keys.get(kid);
  }

  private async refresh(): Promise<void> {
    this.attemptedAt = this.o.now();
    this.jwksUri ??= await this.discover();
    const set = await fetchJson(this.jwksUri, this.o);
    this.fetches++;
    if (!Array.isArray(set.keys)) throw new Error(`${this.jwksUri}: expected a JSON object with a "keys" list`);
    const keys = new Map<string, Jwk>();
    for (const k of set.keys as unknown[]) {
      if (keys.size >= this.o.maxKeys) break;
      if (typeof k === "object" && k !== null && typeof (k as Jwk).kid === "string") keys.set((k as Jwk).kid!, k as Jwk);
    }
    this.keys = keys;
    this.fetchedAt = this.o.now();
  }

  private async discover(): Promise<string> {
    const url = `${this.o.issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
    const doc = await fetchJson(url, this.o);
    if (doc.issuer !== this.o.issuer) throw new Error(`${url}: issuer ${JSON.stringify(doc.issuer)} is not ${JSON.stringify(this.o.issuer)}`);
    if (typeof doc.jwks_uri !== "string") throw new Error(`${url}: no jwks_uri`);
    return checkUrl(doc.jwks_uri, "jwks_uri", this.o.issuer);
  }
}

function checkUrl(text: string, what: string, issuer?: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`${what} ${JSON.stringify(text)} is not a URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error(`${what} ${text}: expected an http or https URL`);
  if (issuer !== undefined && new URL(issuer).protocol === "https:" && url.protocol !== "https:") {
    throw new Error(`${what} ${text}: expected https, as the issuer is`);
  }
  return text;
}

async function fetchJson(url: string, o: { fetchTimeoutMs: number; maxBytes: number }): Promise<Record<string, unknown>> {
  const signal = AbortSignal.timeout(o.fetchTimeoutMs);
  let res: Response;
  try {
    res = await fetch(url, { signal, redirect: "error", headers: { accept: "application/json" } });
  } catch (e) {
    throw new Error(`${url}: ${signal.aborted ? `no answer within ${o.fetchTimeoutMs} ms` : describeFetchError(e)}`);
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new Error(`${url}: HTTP ${res.status}`);
  }
  const text = await readCapped(res, url, o.maxBytes, signal);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${url}: not JSON`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error(`${url}: expected a JSON object`);
  return value as Record<string, unknown>;
}

async function readCapped(res: Response, url: string, maxBytes: number, signal: AbortSignal): Promise<string> {
  const declared = Number(res.headers.get("content-length") ?? "0");
  const tooLarge = (): Error => new Error(`${url}: larger than ${maxBytes} bytes`);
  if (declared > maxBytes) {
    await res.body?.cancel();
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body?.getReader();
  try {
    for (;;) {
      const { done, value } = (await reader?.read()) ?? { done: true, value: undefined };
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader?.cancel();
        throw tooLarge();
      }
      chunks.push(value);
    }
  } catch (e) {
    if (signal.aborted) throw new Error(`${url}: no answer within the fetch timeout`);
    throw e;
  }
  return Buffer.concat(chunks).toString("utf8");
}

function describeFetchError(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (e as Error).message;
}
