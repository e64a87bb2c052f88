/** kas.yaml's Kubernetes API proxy: https listener and OIDC section, or a clear error. */
import { DEFAULT_KUBERNETES_API_LIMITS, parseKasConfig } from "./index";

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
  expect(c.kubernetesApi).toEqual({ oidc: { issuer: "https://gitlab.example", audience: "https://kas.example" }, limits: DEFAULT_KUBERNETES_API_LIMITS, allowedAgentCacheTtlMs: 60_000, allowedAgentCacheErrorTtlMs: 10_000 });
  expect(DEFAULT_KUBERNETES_API_LIMITS).toEqual({ pathPrefix: "", maxRequestsPerCredential: 32, maxRequestBodyBytes: 3 * 1024 * 1024, idleTimeoutMs: 300_000, headersTimeoutMs: 30_000, maxHeaderBytes: 32 * 1024 });
});

const LISTEN = ", kubernetes_api: { address: 127.0.0.1:8154, cert_file: tls.crt, key_file: tls.key }";
const section = (extra: string): string => `kubernetes_api: { oidc: { issuer: https://gitlab.example, audience: https://kas.example }, ${extra} }`;

test("the proxy's limits and path prefix", () => {
  const c = parseKasConfig(
    base(LISTEN, section("path_prefix: /k8s-proxy/, max_requests_per_credential: 4, max_request_body_bytes: 1024, idle_timeout: 90s, headers_timeout: 5s, max_header_bytes: 8192")),
    FILE,
  );
  expect(c.kubernetesApi?.limits).toEqual({ pathPrefix: "/k8s-proxy", maxRequestsPerCredential: 4, maxRequestBodyBytes: 1024, idleTimeoutMs: 90_000, headersTimeoutMs: 5_000, maxHeaderBytes: 8192 });
});

test.each([
  ["path_prefix: k8s-proxy", 'kubernetes_api.path_prefix: expected a path such as "/k8s-proxy"'],
  ["path_prefix: /a//b", 'kubernetes_api.path_prefix: expected a path such as "/k8s-proxy"'],
  ["max_requests_per_credential: 0", "kubernetes_api.max_requests_per_credential: expected a positive whole number"],
  ["idle_timeout: 0s", "kubernetes_api.idle_timeout: expected a duration above zero"],
  ["idle_timeout: soon", "kubernetes_api.idle_timeout: expected a duration"],
  ["max_request_bytes: 5", "kubernetes_api.max_request_bytes: unknown key"],
])("a bad limit is refused: %s", (extra, message) => {
  refused(base(LISTEN, section(extra)), message);
});

const GITLAB = "agents: { registry: gitlab, gitlab: { url: https://gitlab.example, secret_file: kas-secret } }";
const gitlabBase = (rest = ""): string => `
listen: { grpc: "127.0.0.1:8150", kubernetes_api: { address: 127.0.0.1:8154, cert_file: c, key_file: k } }
${GITLAB}
${rest}`;

test("GitLab mode: no oidc needed (GitLab vouches for job tokens and personal access tokens); the cache TTLs", () => {
  expect(parseKasConfig(gitlabBase(), FILE).kubernetesApi).toEqual({ limits: DEFAULT_KUBERNETES_API_LIMITS, allowedAgentCacheTtlMs: 60_000, allowedAgentCacheErrorTtlMs: 10_000 });
  const c = parseKasConfig(gitlabBase("kubernetes_api: { allowed_agent_cache_ttl: 2s, allowed_agent_cache_error_ttl: 500ms }"), FILE);
  expect(c.kubernetesApi).toEqual({ limits: DEFAULT_KUBERNETES_API_LIMITS, allowedAgentCacheTtlMs: 2000, allowedAgentCacheErrorTtlMs: 500 });
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
