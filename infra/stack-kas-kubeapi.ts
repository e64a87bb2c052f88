/**
 * `gitops-agent:kas.kubernetesApi`: the deployed kas serves the Kubernetes
 * API to CI jobs (CI/CD tunnel) on https port 8156 (Service port `k8s-api`),
 * with the certificate of an existing kubernetes.io/tls Secret in kas's
 * namespace, accepting OIDC ID tokens from `oidc.issuer` minted for
 * `oidc.audience` (GitLab: `id_tokens: KAS_ID_TOKEN: aud: <audience>`).
 */
import { DNS_SUBDOMAIN, type Checker, type KeyPath } from "../runtime/common/config-kit";

export interface KasKubernetesApiConfig {
  /** A kubernetes.io/tls Secret (tls.crt, tls.key) in kas's namespace, created before `pulumi up` (e.g. by cert-manager). */
  readonly tlsSecretName: string;
  readonly oidc: {
    /** The ID tokens' issuer, e.g. https://gitlab.example.com (kas reads its keys by OIDC discovery). */
    readonly issuer: string;
    /** The audience the tokens must carry: what the CI job's `id_tokens: ... aud:` says, e.g. kas's URL. */
    readonly audience: string;
  };
}

const EXPECTED = "a map { tlsSecretName, oidc: { issuer, audience } }";

export function parseKasKubernetesApi(r: Checker, raw: unknown, urlAt: (path: KeyPath, value: unknown, expected: string) => string | undefined): KasKubernetesApiConfig | undefined {
  const at: KeyPath = ["kas", "kubernetesApi"];
  const m = r.object(raw, at, ["tlsSecretName", "oidc"], EXPECTED);
  if (!m) return undefined;
  const tlsSecretName = r.required(m.tlsSecretName, [...at, "tlsSecretName"], "the name of a kubernetes.io/tls Secret in kas's namespace")
    ? r.string(m.tlsSecretName, [...at, "tlsSecretName"], { pattern: DNS_SUBDOMAIN, expected: "the name of a kubernetes.io/tls Secret in kas's namespace" })
    : undefined;
  const o = r.object(m.oidc, [...at, "oidc"], ["issuer", "audience"], "a map { issuer, audience }");
  if (!o) return undefined;
  const issuer = r.required(o.issuer, [...at, "oidc", "issuer"], "the ID tokens' issuer URL")
    ? urlAt([...at, "oidc", "issuer"], o.issuer, "the ID tokens' issuer, an https:// URL such as https://gitlab.example.com")
    : undefined;
  const audience = r.required(o.audience, [...at, "oidc", "audience"], "the audience CI jobs put in their ID tokens")
    ? r.string(o.audience, [...at, "oidc", "audience"], { nonEmpty: true })
    : undefined;
  return tlsSecretName && issuer && audience ? { tlsSecretName, oidc: { issuer: issuer.replace(/\/+$/, ""), audience } } : undefined;
}
