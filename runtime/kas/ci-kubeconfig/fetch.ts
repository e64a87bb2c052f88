/**
 * Asks kas which agents the CI job may use: `GET <kas>/.kas/v1/allowed_agents`
 * with `Authorization: Bearer <ID token>` over https (the given CA, else the
 * system's). Every failure is an Error saying what to check: kas unreachable,
 * its certificate not trusted, kas's own refusal (the Status message), or an
 * answer that is not what kas sends. The token is never part of a message.
 */
import * as https from "node:https";
import { KAS_ALLOWED_AGENTS_PATH, parseKasAllowedAgents, type KubeconfigAgent } from "../kubeapi-auth";

export interface AllowedAgents {
  readonly agents: KubeconfigAgent[];
  /** The job's project as kas read it from the token. */
  readonly projectPath?: string;
}

/** kas's answer is a few hundred bytes an agent; more than this is not kas. */
const MAX_BODY = 1024 * 1024;
const TIMEOUT_MS = 15_000;

export interface FetchOptions {
  /** kas's Kubernetes API listener, https. A path (an Ingress prefix) is kept. */
  readonly kas: string;
  readonly caPem?: string;
  readonly idToken: string;
  readonly timeoutMs?: number;
}

/** The endpoint under `kas`, keeping any path prefix. */
export function allowedAgentsUrl(kas: string): URL {
  const url = new URL(kas);
  url.pathname = `${url.pathname.replace(/\/+$/, "")}${KAS_ALLOWED_AGENTS_PATH}`;
  url.search = "";
  return url;
}

const TLS_CODES = new Set(["DEPTH_ZERO_SELF_SIGNED_CERT", "SELF_SIGNED_CERT_IN_CHAIN", "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "CERT_HAS_EXPIRED", "ERR_TLS_CERT_ALTNAME_INVALID"]);

function transportError(url: URL, err: Error & { code?: string }): Error {
  const what = `${err.code ?? "error"}: ${err.message}`;
  if (err.code !== undefined && TLS_CODES.has(err.code)) return new Error(`kas at ${url.origin}: its certificate is not trusted (${what}); pass --ca-file <the CA that signed it>`);
  return new Error(`cannot reach kas at ${url.origin} (${what}); check --kas (listen.kubernetes_api's address) and that kas is running`);
}

/** kas's refusal in words: a Kubernetes Status's message, else the start of the body. */
function refusal(status: number, body: string): string {
  let message: unknown;
  try {
    message = (JSON.parse(body) as { message?: unknown }).message;
  } catch {
    message = undefined;
  }
  const text = typeof message === "string" ? message : body.slice(0, 200).trim() || "(no body)";
  const hint = status === 401 ? " (is the ID token's aud kas's kubernetes_api.oidc.audience, and the job still running?)" : status === 404 ? " (is --kas kas's Kubernetes API listener, and kas new enough to serve allowed_agents?)" : "";
  return `kas refused: ${status} ${text}${hint}`;
}

export async function fetchAllowedAgents(o: FetchOptions): Promise<AllowedAgents> {
  const url = allowedAgentsUrl(o.kas);
  const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = https.request(url, { method: "GET", headers: { authorization: `Bearer ${o.idToken}`, accept: "application/json" }, ...(o.caPem === undefined ? {} : { ca: o.caPem }) }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) return void req.destroy(new Error(`kas at ${url.origin}: answer over ${MAX_BODY} bytes`));
        chunks.push(c);
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", (err) => reject(transportError(url, err)));
    });
    req.setTimeout(o.timeoutMs ?? TIMEOUT_MS, () => req.destroy(Object.assign(new Error(`no answer in ${(o.timeoutMs ?? TIMEOUT_MS) / 1000} s`), { code: "ETIMEDOUT" })));
    req.on("error", (err) => reject(err.message.startsWith("kas at") ? err : transportError(url, err)));
    req.end();
  });
  if (status !== 200) throw new Error(refusal(status, body));
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new Error(`kas at ${url.origin} answered 200 with a body that is not JSON; is --kas kas's Kubernetes API listener?`);
  }
  const parsed = parseKasAllowedAgents(json);
  if (!parsed.ok) throw new Error(`kas at ${url.origin}: unexpected allowed_agents answer: ${parsed.reason}`);
  return { agents: parsed.agents, ...(parsed.projectPath === undefined ? {} : { projectPath: parsed.projectPath }) };
}
