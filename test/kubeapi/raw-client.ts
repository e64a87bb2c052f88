/**
 * Raw https calls to kas's Kubernetes API listener, for attack tests: a
 * request with any headers and body (or none of it), the answer read or left
 * unread, connections that never finish their request head.
 */
import * as https from "node:https";
import * as tls from "node:tls";
import * as net from "node:net";
import * as v8 from "node:v8";
import * as vm from "node:vm";
import { ciBearerToken } from "../../runtime/kas/kubeapi-auth";

export interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

export interface RawTarget {
  readonly url: string;
  readonly caPem: string;
  readonly agentId: string;
}

export interface RawRequest {
  readonly method?: string;
  readonly path: string;
  /** The ID token; none: no Authorization header. */
  readonly idToken?: string;
  readonly headers?: Record<string, string>;
  /** Sent with a content-length unless `chunked`. */
  readonly body?: Buffer;
  readonly chunked?: boolean;
  readonly agent?: https.Agent;
}

function options(t: RawTarget, r: RawRequest): https.RequestOptions {
  const u = new URL(t.url);
  const headers: Record<string, string> = { accept: "application/json", ...r.headers };
  if (r.idToken !== undefined) headers.authorization = `Bearer ${ciBearerToken(t.agentId, r.idToken)}`;
  if (r.body && !r.chunked) headers["content-length"] = String(r.body.length);
  if (r.body && r.chunked) headers["transfer-encoding"] = "chunked";
  return { host: u.hostname, port: u.port, method: r.method ?? "GET", path: r.path, headers, ca: t.caPem, agent: r.agent ?? false };
}

/** The whole answer; rejects on a connection error (a reset before any answer). */
export function rawCall(t: RawTarget, r: RawRequest): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = https.request(options(t, r), (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    if (r.body && r.chunked) {
      // Several chunks, as a client streaming its body would send them.
      for (let off = 0; off < r.body.length; off += 16 * 1024) req.write(r.body.subarray(off, off + 16 * 1024));
      req.end();
    } else req.end(r.body);
  });
}

/**
 * A request whose answer's head is read and whose body is not, until
 * `readRest` (a paused socket notices no close until it reads): it reads
 * what is buffered and says whether the body was complete.
 */
export function unreadCall(t: RawTarget, r: RawRequest): Promise<{ status: number; readRest(): Promise<{ complete: boolean; bytes: number }>; abort(): void }> {
  return new Promise((resolve, reject) => {
    const req = https.request(options(t, r), (res) => {
      res.pause();
      let bytes = 0;
      const readRest = () =>
        new Promise<{ complete: boolean; bytes: number }>((done) => {
          res.on("data", (c: Buffer) => (bytes += c.length));
          res.on("error", () => undefined);
          res.once("close", () => done({ complete: res.complete, bytes }));
          res.resume();
        });
      resolve({ status: res.statusCode ?? 0, readRest, abort: () => req.destroy() });
    });
    req.on("error", (err) => reject(err));
    req.end(r.body);
  });
}

/** A TLS connection that sends `partial` (an unfinished request head) and then nothing; `closed` resolves when kas closes it. */
export function slowloris(t: RawTarget, partial: string): Promise<{ closed: Promise<void>; destroy(): void }> {
  const u = new URL(t.url);
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: u.hostname, port: Number(u.port), ca: t.caPem, servername: "localhost" }, () => {
      socket.write(partial);
      resolve({ closed, destroy: () => socket.destroy() });
    });
    socket.on("data", () => undefined);
    const closed = new Promise<void>((done) => socket.once("close", () => done()));
    socket.once("error", (err) => reject(err));
  });
}

/** A TCP connection that never starts its TLS handshake. */
export function silentTcp(t: RawTarget): Promise<{ closed: Promise<void>; destroy(): void }> {
  const u = new URL(t.url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(u.port), u.hostname, () => resolve({ closed, destroy: () => socket.destroy() }));
    socket.on("error", () => undefined);
    const closed = new Promise<void>((done) => socket.once("close", () => done()));
    socket.once("error", reject);
  });
}

/** Bytes this process holds (heap and Buffers), after a full gc. kas runs in the test's process. */
export function heldBytes(): number {
  v8.setFlagsFromString("--expose-gc");
  const gc = vm.runInNewContext("gc") as () => void;
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

export const MiB = 1024 * 1024;
