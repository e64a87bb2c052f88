/**
 * kas.yaml's Kubernetes API proxy: `listen.kubernetes_api` (https only:
 * kubectl sends no bearer token to a plain http server, so an http proxy
 * could only ever see anonymous requests) and the `kubernetes_api:` section:
 * `oidc` names the CI ID tokens' issuer and the audience they must carry
 * (required with agents.registry file; optional in GitLab mode, where GitLab
 * vouches for CI job tokens and personal access tokens), and
 * `allowed_agent_cache_ttl` / `allowed_agent_cache_error_ttl` (GitLab's kas
 * names; default 60 s and 10 s) say how long GitLab's answer about such a
 * token is remembered: a token revoked in GitLab works at most that long.
 */
import type { Checker } from "../../common/config-kit";
import type { TlsFiles } from "./schema";
import { address, durationMs, positiveInt, text, type KasReader } from "./values";

export interface KubernetesApiListen extends TlsFiles {
  readonly address: string;
}

export interface KubernetesApiConfig {
  /** Undefined in GitLab mode without ID tokens. */
  readonly oidc?: { readonly issuer: string; readonly audience: string };
  readonly limits: KubernetesApiLimits;
  readonly allowedAgentCacheTtlMs: number;
  readonly allowedAgentCacheErrorTtlMs: number;
}

/** What one client may hold of the proxy (kas.yaml `kubernetes_api:`). */
export interface KubernetesApiLimits {
  /** Served under this prefix only ("/k8s-proxy"), stripped before forwarding; "" serves at the root. */
  readonly pathPrefix: string;
  /** Requests one credential may have open at once (waiting for a tunnel or in flight); beyond it 429 with Retry-After. */
  readonly maxRequestsPerCredential: number;
  /** A request body's bytes (upgraded connections excepted); beyond it 413. The apiserver's own limit is 3 MiB. */
  readonly maxRequestBodyBytes: number;
  /** A request whose client sends nothing kas waits for and reads nothing kas has for it this long is cut. */
  readonly idleTimeoutMs: number;
  /** A connection that has not sent a complete request head this long after it opened (TLS handshake included) is closed. */
  readonly headersTimeoutMs: number;
  /** The request head's bytes (all header lines); beyond it 431. */
  readonly maxHeaderBytes: number;
}

export const DEFAULT_KUBERNETES_API_LIMITS: KubernetesApiLimits = {
  pathPrefix: "",
  maxRequestsPerCredential: 32,
  maxRequestBodyBytes: 3 * 1024 * 1024,
  idleTimeoutMs: 5 * 60_000,
  headersTimeoutMs: 30_000,
  maxHeaderBytes: 32 * 1024,
};

const LIMIT_KEYS = ["path_prefix", "max_requests_per_credential", "max_request_body_bytes", "idle_timeout", "headers_timeout", "max_header_bytes"] as const;

export const ALLOWED_AGENT_CACHE_TTL_MS = 60_000;
export const ALLOWED_AGENT_CACHE_ERROR_TTL_MS = 10_000;

const AT = ["listen", "kubernetes_api"];

export function parseKubernetesApiListen(k: KasReader, value: unknown, parseTls: (at: string[], m: Record<string, unknown>) => TlsFiles | undefined): KubernetesApiListen | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "string") {
    k.r.error(AT, "expected { address, cert_file, key_file }: the Kubernetes API proxy serves https only (kubectl sends no bearer token to a plain http server)");
    return undefined;
  }
  const m = k.r.mapping(value, AT, ["address", "cert_file", "key_file"]);
  if (m === undefined) return undefined;
  const bound = address(k, m.address, [...AT, "address"]);
  const tls = parseTls(AT, m);
  if (!tls) k.r.error(AT, "cert_file and key_file are required: the Kubernetes API proxy serves https only (kubectl sends no bearer token to a plain http server)");
  return bound && tls ? { address: bound, ...tls } : undefined;
}

export function parseKubernetesApi(k: KasReader, value: unknown): KubernetesApiConfig | undefined {
  if (value === undefined) return undefined;
  const at = ["kubernetes_api"];
  const m: Record<string, unknown> = k.r.mapping(value, at, ["oidc", "allowed_agent_cache_ttl", "allowed_agent_cache_error_ttl", ...LIMIT_KEYS]) ?? {};
  const rest = {
    limits: parseLimits(k, m),
    allowedAgentCacheTtlMs: durationMs(k, m.allowed_agent_cache_ttl, [...at, "allowed_agent_cache_ttl"], ALLOWED_AGENT_CACHE_TTL_MS),
    allowedAgentCacheErrorTtlMs: durationMs(k, m.allowed_agent_cache_error_ttl, [...at, "allowed_agent_cache_error_ttl"], ALLOWED_AGENT_CACHE_ERROR_TTL_MS),
  };
  if (m.oidc === undefined) return rest;
  const o = k.r.mapping(m.oidc, [...at, "oidc"], ["issuer", "audience"]) ?? {};
  const issuer = text(k, o.issuer, [...at, "oidc", "issuer"]);
  const audience = text(k, o.audience, [...at, "oidc", "audience"]);
  if (issuer !== undefined && !/^https?:\/\/[^/]/.test(issuer)) k.r.mismatch([...at, "oidc", "issuer"], issuer, "an http(s) URL");
  if (!issuer || !audience) k.r.error([...at, "oidc"], "issuer and audience are required (the CI ID tokens' issuer, and the audience they are minted for)");
  return issuer && audience ? { oidc: { issuer, audience }, ...rest } : rest;
}

function parseLimits(k: KasReader, m: Record<string, unknown>): KubernetesApiLimits {
  const d = DEFAULT_KUBERNETES_API_LIMITS;
  const at = (key: (typeof LIMIT_KEYS)[number]): string[] => ["kubernetes_api", key];
  const duration = (key: "idle_timeout" | "headers_timeout", fallback: number): number => {
    const ms = durationMs(k, m[key], at(key), fallback);
    if (ms <= 0) k.r.mismatch(at(key), m[key], "a duration above zero", { found: JSON.stringify(m[key]) });
    return ms;
  };
  let prefix = text(k, m.path_prefix, at("path_prefix"), "") ?? "";
  if (prefix !== "" && !/^(\/[A-Za-z0-9._~-]+)+\/?$/.test(prefix)) {
    k.r.mismatch(at("path_prefix"), prefix, 'a path such as "/k8s-proxy" (segments of letters, digits, ".", "_", "~", "-")');
    prefix = "";
  }
  return {
    pathPrefix: prefix.replace(/\/$/, ""),
    maxRequestsPerCredential: positiveInt(k, m.max_requests_per_credential, at("max_requests_per_credential"), d.maxRequestsPerCredential),
    maxRequestBodyBytes: positiveInt(k, m.max_request_body_bytes, at("max_request_body_bytes"), d.maxRequestBodyBytes),
    idleTimeoutMs: duration("idle_timeout", d.idleTimeoutMs),
    headersTimeoutMs: duration("headers_timeout", d.headersTimeoutMs),
    maxHeaderBytes: positiveInt(k, m.max_header_bytes, at("max_header_bytes"), d.maxHeaderBytes),
  };
}

/**
 * The listener and its section go together; without GitLab (agents.registry
 * file) only ID tokens can be checked, so `oidc` is required. In GitLab mode
 * the section may be left out: its defaults.
 */
export function resolveKubernetesApi(r: Checker, listen: KubernetesApiListen | undefined, config: KubernetesApiConfig | undefined, registry: "file" | "gitlab"): KubernetesApiConfig | undefined {
  if (config && !listen) r.error(["kubernetes_api"], "set, but listen.kubernetes_api is not; expected listen.kubernetes_api: { address, cert_file, key_file }");
  if (!listen || registry === "gitlab") return listen ? (config ?? { limits: DEFAULT_KUBERNETES_API_LIMITS, allowedAgentCacheTtlMs: ALLOWED_AGENT_CACHE_TTL_MS, allowedAgentCacheErrorTtlMs: ALLOWED_AGENT_CACHE_ERROR_TTL_MS }) : config;
  if (!config) r.error(AT, "set, but kubernetes_api.oidc is not; expected kubernetes_api: { oidc: { issuer: <url>, audience: <string> } } (or agents.registry gitlab, where GitLab vouches for CI job tokens)");
  else if (!config.oidc) r.error(["kubernetes_api", "oidc"], "required with agents.registry file: kas can only check OIDC ID tokens without GitLab; expected { issuer: <url>, audience: <string> }");
  return config;
}
