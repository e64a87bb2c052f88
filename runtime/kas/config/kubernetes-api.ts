/**
 * kas.yaml's Kubernetes API proxy: `listen.kubernetes_api` (https only:
 * kubectl sends no bearer token to a plain http server, so an http proxy
 * could only ever see anonymous requests) and the `kubernetes_api:` section,
 * whose `oidc` names the CI ID tokens' issuer and the audience they must carry.
 */
import type { Checker } from "../../common/config-kit";
import type { TlsFiles } from "./schema";
import { address, text, type KasReader } from "./values";

export interface KubernetesApiListen extends TlsFiles {
  readonly address: string;
}

export interface KubernetesApiConfig {
  readonly oidc: { readonly issuer: string; readonly audience: string };
}

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
  const m = k.r.mapping(value, at, ["oidc"]) ?? {};
  const o = k.r.mapping(m.oidc, [...at, "oidc"], ["issuer", "audience"]) ?? {};
  const issuer = text(k, o.issuer, [...at, "oidc", "issuer"]);
  const audience = text(k, o.audience, [...at, "oidc", "audience"]);
  if (issuer !== undefined && !/^https?:\/\/[^/]/.test(issuer)) k.r.mismatch([...at, "oidc", "issuer"], issuer, "an http(s) URL");
  if (!issuer || !audience) k.r.error([...at, "oidc"], "issuer and audience are required (the CI ID tokens' issuer, and the audience they are minted for)");
  return issuer && audience ? { oidc: { issuer, audience } } : undefined;
}

/** The listener and its section go together. */
export function checkKubernetesApi(r: Checker, listen: KubernetesApiListen | undefined, config: KubernetesApiConfig | undefined): void {
  if (listen && !config) r.error(AT, "set, but kubernetes_api.oidc is not; expected kubernetes_api: { oidc: { issuer: <url>, audience: <string> } }");
  if (config && !listen) r.error(["kubernetes_api"], "set, but listen.kubernetes_api is not; expected listen.kubernetes_api: { address, cert_file, key_file }");
}
