/** renderKasConfig: which HTTP listener is bound where, and which credential protects it. */
import { parse } from "yaml";
import { httpListeners, KAS_PORTS, renderKasConfig } from "./kas-config";
import { KAS_PRIVATE_API_PORT } from "./kas-replicas-config";

type Doc = { listen: Record<string, unknown>; api?: { token_file: string }; webhook?: { secret_file: string } };
const render = (access: Parameters<typeof renderKasConfig>[2]) => parse(renderKasConfig([{ id: "g/p", url: "https://git.example/g/p.git" }], undefined, access)) as Doc;

describe("renderKasConfig", () => {
  test("without credentials: probes and metrics on all interfaces, the agents API on loopback only, no webhook", () => {
    const doc = render({});
    expect(doc.listen).toEqual({
      grpc: `0.0.0.0:${KAS_PORTS.grpc}`,
      websocket: { address: `0.0.0.0:${KAS_PORTS.websocket}` },
      observability: `0.0.0.0:${KAS_PORTS.observability}`,
      api: `127.0.0.1:${KAS_PORTS.api}`,
    });
    expect(doc.api).toBeUndefined();
    expect(doc.webhook).toBeUndefined();
  });

  test("with a token file the agents API listens on all interfaces and names the token file; with a secret the webhook has its own port", () => {
    const doc = render({ apiTokenFile: "/etc/kas/http/api-token", webhookSecretFile: "/etc/kas/http/webhook-secret" });
    expect(doc.listen).toMatchObject({ api: `0.0.0.0:${KAS_PORTS.api}`, webhook: `0.0.0.0:${KAS_PORTS.webhook}`, observability: `0.0.0.0:${KAS_PORTS.observability}` });
    expect(doc.api).toEqual({ token_file: "/etc/kas/http/api-token" });
    expect(doc.webhook).toEqual({ secret_file: "/etc/kas/http/webhook-secret" });
  });

  test("with kubernetesApi: listen.kubernetes_api on all interfaces with the mounted TLS Secret's files, and kubernetes_api.oidc", () => {
    const oidc = { issuer: "https://gitlab.example.com", audience: "https://kas.example.com" };
    const doc = render({ kubernetesApi: { oidc } }) as Doc & { kubernetes_api?: unknown };
    expect(doc.listen.kubernetes_api).toEqual({ address: `0.0.0.0:${KAS_PORTS.kubernetesApi}`, cert_file: "/etc/kas/kubernetes-api-tls/tls.crt", key_file: "/etc/kas/kubernetes-api-tls/tls.key" });
    expect(doc.kubernetes_api).toEqual({ oidc });
    expect(render({}).listen.kubernetes_api).toBeUndefined();
    expect(new Set(Object.values(KAS_PORTS)).size).toBe(Object.values(KAS_PORTS).length);
  });

  test.each([{}, { apiTokenFile: "t" }, { webhookSecretFile: "s" }, { apiTokenFile: "t", webhookSecretFile: "s" }])(
    "%j: the agents API is never off loopback without a token, and each listener has its own port",
    (access) => {
      const listen = httpListeners(access);
      if (!access.apiTokenFile) expect(listen.api).toMatch(/^127\.0\.0\.1:/);
      const ports = Object.values(listen).map((a) => a.split(":").at(-1));
      expect(new Set(ports).size).toBe(ports.length);
    },
  );

  test("with replicas: redis and private_api together (kas refuses one without the other), the private API off the agents API's port", () => {
    const doc = parse(renderKasConfig([], undefined, {}, { redisAddress: "r.example:6379", redisPassword: true, redisTls: true })) as Doc & { redis?: unknown; private_api?: { listen: { address: string } } };
    expect(doc.redis).toEqual({ server: { address: "r.example:6379" }, password_file: "/etc/kas/redis/password", tls: { enabled: true } });
    expect(doc.private_api).toEqual({ listen: { address: `0.0.0.0:${KAS_PRIVATE_API_PORT}`, authentication_secret_file: "/etc/kas/private-api/secret" } });
    // Every listener on its own port: the agents API listens (on loopback) even without a token.
    const ports = Object.values(KAS_PORTS);
    expect(new Set(ports).size).toBe(ports.length);
    expect(KAS_PRIVATE_API_PORT).toBe(KAS_PORTS.privateApi);
    const without = parse(renderKasConfig([], undefined, {})) as Record<string, unknown>;
    expect(without.redis).toBeUndefined();
    expect(without.private_api).toBeUndefined();
  });
});
