/**
 * One call to GitLab's API as kas makes them: the `Gitlab-Kas-Api-Request`
 * JWT, a timeout, a cap on the answer's size, an optional private CA. The
 * answer's status and body come back as they are; only a GitLab that cannot
 * be reached (or answers too much) is an error, a RegistryUnavailableError
 * naming the endpoint without its query. Credentials go in `headers` or
 * `body` and never into a message.
 */
import * as http from "node:http";
import * as https from "node:https";
import { JWT_HEADER, signKasJwt } from "./jwt";
import { RegistryUnavailableError } from "./types";

export const GITLAB_MAX_ANSWER_BYTES = 1024 * 1024;
export const GITLAB_TIMEOUT_MS = 10_000;

export interface GitLabCall {
  readonly method: "GET" | "POST";
  readonly url: URL;
  /** Signs the kas JWT with it. */
  readonly secret: Buffer;
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent as JSON. */
  readonly json?: unknown;
  readonly timeoutMs?: number;
  /** Extra CA certificates (PEM) for a GitLab with a private CA. */
  readonly ca?: string | Buffer;
}

export interface GitLabAnswer {
  readonly status: number;
  readonly body: string;
}

/** `https://gitlab.example/api/v4/x` of a base URL and an API path, the base's path kept (a relative URL root such as /gitlab). */
export function gitlabEndpoint(base: string, apiPath: string): URL {
  const url = new URL(base);
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error(`GitLab url: found protocol ${url.protocol}; expected http: or https:`);
  if (!url.pathname.endsWith("/")) url.pathname += "/";
  return new URL(apiPath, url);
}

/** The endpoint as messages show it: no credentials, no query. */
export function shownEndpoint(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

export function callGitLab(call: GitLabCall): Promise<GitLabAnswer> {
  const { url } = call;
  const client = url.protocol === "https:" ? https : http;
  const timeoutMs = call.timeoutMs ?? GITLAB_TIMEOUT_MS;
  const body = call.json === undefined ? undefined : JSON.stringify(call.json);
  const headers: Record<string, string> = {
    ...call.headers,
    [JWT_HEADER]: signKasJwt(call.secret),
    Accept: "application/json",
    ...(body === undefined ? {} : { "Content-Type": "application/json", "Content-Length": String(Buffer.byteLength(body)) }),
  };
  const unavailable = (why: string, cause?: unknown): RegistryUnavailableError =>
    new RegistryUnavailableError(`GitLab ${shownEndpoint(url)} cannot be reached: ${why}`, { cause });
  return new Promise((resolve, reject) => {
    const req = client.request(url, { method: call.method, headers, timeout: timeoutMs, ...(call.ca ? { ca: call.ca } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > GITLAB_MAX_ANSWER_BYTES) {
          req.destroy(unavailable(`answer larger than ${GITLAB_MAX_ANSWER_BYTES} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", (err) => reject(unavailable(errorCode(err), err)));
    });
    req.on("timeout", () => req.destroy(unavailable(`no answer within ${timeoutMs} ms`)));
    req.on("error", (err) => reject(err instanceof RegistryUnavailableError ? err : unavailable(errorCode(err), err)));
    req.end(body);
  });
}

function errorCode(err: Error): string {
  return (err as NodeJS.ErrnoException).code ?? err.message;
}
