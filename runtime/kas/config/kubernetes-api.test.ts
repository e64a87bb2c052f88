/** kas.yaml's Kubernetes API proxy: https listener and OIDC section, or a clear error. */
import { parseKasConfig } from "./index";

const FILE = "/etc/kas/kas.yaml";
const base = (listen: string, rest = ""): string => `
listen: { grpc: "127.0.0.1:8150"${listen} }
agents: { registry: file, file: agents.yaml }
${rest}`;
const OIDC = "kubernetes_api: { oidc: { issuer: https://gitlab.example, audience: https://kas.example } }";

/** Expects `text` to be refused with `message` somewhere in the error. */
const refused = (text: string, message: string): void => expect(() => parseKasConfig(text, FILE)).toThrow(message);

test("an https listener and the OIDC issuer and audience", () => {
  const c = parseKasConfig(base(", kubernetes_api: { address: 127.0.0.1:8154, cert_file: tls.crt, key_file: tls.key }", OIDC), FILE);
  expect(c.listen.kubernetesApi).toEqual({ address: "127.0.0.1:8154", certFile: "/etc/kas/tls.crt", keyFile: "/etc/kas/tls.key" });
  expect(c.kubernetesApi).toEqual({ oidc: { issuer: "https://gitlab.example", audience: "https://kas.example" }, allowedAgentCacheTtlMs: 60_000, allowedAgentCacheErrorTtlMs: 10_000 });
});

const GITLAB = "agents: { registry: gitlab, gitlab: { url: https://gitlab.example, secret_file: kas-secret } }";
const gitlabBase = (rest = ""): string => `
listen: { grpc: "127.0.0.1:8150", kubernetes_api: { address: 127.0.0.1:8154, cert_file: c, key_file: k } }
${GITLAB}
${rest}`;

test("GitLab mode: no oidc needed (GitLab vouches for job tokens and personal access tokens); the cache TTLs", () => {
  expect(parseKasConfig(gitlabBase(), FILE).kubernetesApi).toEqual({ allowedAgentCacheTtlMs: 60_000, allowedAgentCacheErrorTtlMs: 10_000 });
  const c = parseKasConfig(gitlabBase("kubernetes_api: { allowed_agent_cache_ttl: 2s, allowed_agent_cache_error_ttl: 500ms }"), FILE);
  expect(c.kubernetesApi).toEqual({ allowedAgentCacheTtlMs: 2000, allowedAgentCacheErrorTtlMs: 500 });
  refused(gitlabBase("kubernetes_api: { allowed_agent_cache_ttl: soon }"), "kubernetes_api.allowed_agent_cache_ttl");
});

test("without GitLab, oidc is required", () => {
  refused(base(", kubernetes_api: { address: 127.0.0.1:8154, cert_file: c, key_file: k }", "kubernetes_api: { allowed_agent_cache_ttl: 2s }"), "kubernetes_api.oidc: required with agents.registry file");
});

test.each([
  ["a plain address", ", kubernetes_api: 127.0.0.1:8154", "listen.kubernetes_api: expected { address, cert_file, key_file }: the Kubernetes API proxy serves https only"],
  ["no certificate", ", kubernetes_api: { address: 127.0.0.1:8154 }", "listen.kubernetes_api: cert_file and key_file are required: the Kubernetes API proxy serves https only (kubectl sends no bearer token"],
])("plain http is refused: %s", (_name, listen, message) => {
  refused(base(listen, OIDC), message);
});

test("the listener and the section go together; oidc needs both keys", () => {
  refused(base(", kubernetes_api: { address: 127.0.0.1:8154, cert_file: c, key_file: k }"), "listen.kubernetes_api: set, but kubernetes_api.oidc is not");
  refused(base("", OIDC), "kubernetes_api: set, but listen.kubernetes_api is not");
  refused(base(", kubernetes_api: { address: 127.0.0.1:8154, cert_file: c, key_file: k }", "kubernetes_api: { oidc: { issuer: https://gitlab.example } }"), "kubernetes_api.oidc: issuer and audience are required");
});

test("the proxy's port is its own", () => {
  refused(base(", kubernetes_api: { address: 127.0.0.1:8150, cert_file: c, key_file: k }", OIDC), "127.0.0.1:8150 is also listen.grpc");
});
