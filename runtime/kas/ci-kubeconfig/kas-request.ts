/**
 * One https request to kas's Kubernetes API listener from a CI command
 * (`kubeconfig`, `wait`, `preview`): the given CA (else the system's), a
 * bounded answer, a timeout. Every failure is an Error saying what to check:
 * kas unreachable, its certificate not trusted, or kas's own refusal (the
 * Status message). The credential is never part of a message.
 */
import * as https from "node:https";

export interface KasRequest {
  /** kas's Kubernetes API listener, https. A path (an Ingress prefix) is kept. */
  readonly kas: string;
  /** The path under `kas`, with its query, e.g. `/.kas/v1/allowed_agents`. */
  readonly path: string;
  readonly caPem?: string;
  /** The whole Authorization header value, e.g. `Bearer <ID token>`. */
  readonly authorization: string;
  readonly method?: "GET" | "POST";
  /** A JSON request body (POST). */
  readonly json?: unknown;
  readonly timeoutMs?: number;
  /** Bytes of answer accepted; default 1 MiB. */
  readonly maxBody?: number;
}

export interface KasAnswer {
  readonly status: number;
  readonly body: string;
}

const MAX_BODY = 1024 * 1024;
const TIMEOUT_MS = 15_000;

/** `path` under `kas`, keeping any path prefix of `kas`. */
export function kasUrl(kas: string, path: string): URL {
  const url = new URL(kas);
  const [pathname, search] = path.split("?", 2) as [string, string | undefined];
  url.pathname = `${url.pathname.replace(/\/+$/, "")}${pathname}`;
  url.search = search === undefined ? "" : `?${search}`;
  return url;
}

const TLS_CODES = new Set(["DEPTH_ZERO_SELF_SIGNED_CERT", "SELF_SIGNED_CERT_IN_CHAIN", "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "CERT_HAS_EXPIRED", "ERR_TLS_CERT_ALTNAME_INVALID"]);

function transportError(url: URL, err: Error & { code?: string }): Error {
  const what = `${err.code ?? "error"}: ${err.message}`;
  if (err.code !== undefined && TLS_CODES.has(err.code)) return new Error(`kas at ${url.origin}: its certificate is not trusted (${what}); pass --ca-file <the CA that signed it>`);
  return new Error(`cannot reach kas at ${url.origin} (${what}); check --kas (listen.kubernetes_api's address) and that kas is running`);
}

/** kas's refusal in words: a Kubernetes Status's message, else the start of the body. */
export function kasRefusal(status: number, body: string, what: string): string {
  let message: unknown;
  try {
    message = (JSON.parse(body) as { message?: unknown }).message;
  } catch {
    message = undefined;
  }
  const text = typeof message === "string" ? message : body.slice(0, 200).trim() || "(no body)";
  const hint = status === 401 ? " (is the ID token's aud kas's kubernetes_api.oidc.audience, and the job still running?)" : status === 404 ? ` (is --kas kas's Kubernetes API listener, and kas new enough to serve ${what}?)` : "";
  return `kas refused: ${status} ${text}${hint}`;
}

/** The answer, whatever its status; rejects only when no answer came (see kasRefusal for a non-2xx one). */
export function kasRequest(o: KasRequest): Promise<KasAnswer> {
  const url = kasUrl(o.kas, o.path);
  const max = o.maxBody ?? MAX_BODY;
  const timeoutMs = o.timeoutMs ?? TIMEOUT_MS;
  const payload = o.json === undefined ? undefined : Buffer.from(JSON.stringify(o.json));
  const headers: Record<string, string | number> = { authorization: o.authorization, accept: "application/json" };
  if (payload) Object.assign(headers, { "content-type": "application/json", "content-length": payload.length });
  return new Promise<KasAnswer>((resolve, reject) => {
    const req = https.request(url, { method: o.method ?? (payload ? "POST" : "GET"), headers, ...(o.caPem === undefined ? {} : { ca: o.caPem }) }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (c: Buffer) => {
        size += c.length;
        if (size > max) return void req.destroy(new Error(`kas at ${url.origin}: answer over ${max} bytes`));
        chunks.push(c);
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", (err) => reject(transportError(url, err)));
    });
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error(`no answer in ${timeoutMs / 1000} s`), { code: "ETIMEDOUT" })));
    req.on("error", (err) => reject(err.message.startsWith("kas at") ? err : transportError(url, err)));
    req.end(payload);
  });
}

/** A 2xx answer's body as JSON, else an Error with kas's refusal. `what` names the endpoint in messages. */
export async function kasJson(o: KasRequest, what: string): Promise<unknown> {
  const { status, body } = await kasRequest(o);
  if (status < 200 || status > 299) throw new Error(kasRefusal(status, body, what));
  try {
    return JSON.parse(body);
  } catch {
    throw new Error(`kas at ${kasUrl(o.kas, o.path).origin} answered ${status} with a body that is not JSON; is --kas kas's Kubernetes API listener?`);
  }
}
