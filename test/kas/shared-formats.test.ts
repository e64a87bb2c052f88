/**
 * Files infra writes and kas reads: what infra writes, kas's own parser reads
 * back to the same values. The registry file (infra's registryYaml, kas's
 * parseRegistryFile), the token hash both sides compute, and kas.yaml (infra's
 * renderKasConfig, kas's parseKasConfig).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { newAgentToken, registryYaml, tokenSha256 } from "../../infra/agent/local-registration";
import { InvalidRegistryFileError, parseRegistryYaml, type RegistryAgent } from "../../runtime/common/deploy";
import { HTTP_SECRETS_MOUNT, KAS_CACHE_DIR, KAS_PORTS, KUBERNETES_API_TLS_MOUNT, REGISTRY_MOUNT, renderKasConfig, type KasHttpAccess, type KasProject } from "../../infra/kas/kas-config";
import { DEFAULT_AGENT_CONNECTION_LIMITS, DEFAULT_API_LISTEN_LIMITS, DEFAULT_KUBERNETES_API_LIMITS, DEFAULT_POLL_PERIOD_MS, DEFAULT_REDIS_DIAL_TIMEOUT_MS, DEFAULT_REDIS_KEY_PREFIX, DEFAULT_WEBSOCKET_PATH, OWN_PRIVATE_API_URL_ENV, loadKasConfig, parseKasConfig } from "../../runtime/kas/config";
import { KAS_PRIVATE_API_MOUNT, KAS_REDIS_MOUNT } from "../../infra/kas";
import { hashToken, parseRegistryFile } from "../../runtime/kas/registry";
import { findAgent } from "../../runtime/kas/registry/tokens";

describe("the registry file: infra writes, kas reads", () => {
  test("GIVEN agents with active, named and revoked tokens WHEN kas parses registryYaml's file THEN the same agents, and each token finds its agent unless revoked", () => {
    const [dude, dudeOld, naww] = [newAgentToken(), newAgentToken(), newAgentToken()];
    const text = registryYaml([
      { id: 1, name: "dude-agent", configProject: "dude/agent-config", tokens: [{ sha256: tokenSha256(dude) }, { sha256: tokenSha256(dudeOld).toUpperCase(), name: "old", revoked: true }] },
      { id: "naww", name: "naww-agent", configProject: "naww/agent-config", tokens: [{ sha256: tokenSha256(naww), name: "2026" }] },
    ]);
    const parsed = parseRegistryFile(text, "agents.yaml");
    expect(parsed.agents).toEqual([
      { id: "1", name: "dude-agent", configProjectId: "dude/agent-config" },
      { id: "naww", name: "naww-agent", configProjectId: "naww/agent-config" },
    ]);
    expect(parsed.entries.map((e) => [e.hash.toString("hex"), e.agent.name, e.revoked])).toEqual([
      [tokenSha256(dude), "dude-agent", false],
      [tokenSha256(dudeOld), "dude-agent", true],
      [tokenSha256(naww), "naww-agent", false],
    ]);
    expect(findAgent(parsed.entries, dude)?.name).toBe("dude-agent");
    expect(findAgent(parsed.entries, naww)?.name).toBe("naww-agent");
    expect(findAgent(parsed.entries, dudeOld)).toBeUndefined();
  });

  test("GIVEN agents with every field the format has WHEN the writer's file is parsed THEN the very agents come back (ids as strings, hashes in lower case)", () => {
    const [dude, dudeOld, naww] = [newAgentToken(), newAgentToken(), newAgentToken()];
    const written: RegistryAgent[] = [
      { id: 1, name: "dude-agent", configProject: "dude/agent-config", tokens: [{ sha256: tokenSha256(dude) }, { sha256: tokenSha256(dudeOld).toUpperCase(), name: "old", revoked: true }] },
      { id: "naww", name: "naww-agent", configProject: "naww/agent-config", tokens: [{ sha256: tokenSha256(naww), name: "2026", revoked: false }] },
      { id: 3, name: "idle-agent", configProject: "g/p", tokens: [] },
    ];
    const read = parseRegistryYaml(registryYaml(written), "agents.yaml");
    expect(read).toEqual(written.map((a) => ({ ...a, id: String(a.id), tokens: a.tokens.map((t) => ({ ...t, sha256: t.sha256.toLowerCase() })) })));
    expect(registryYaml(read)).toBe(registryYaml(written).replace("id: 1\n", 'id: "1"\n').replace("id: 3\n", 'id: "3"\n'));
  });

  test("the parser's errors name file:line and kas throws the very error class", () => {
    const text = registryYaml([{ id: 1, name: "dude-agent", configProject: "dude/agent-config", tokens: [] }]).replace("config_project", "config_projekt");
    expect(() => parseRegistryYaml(text, "agents.yaml")).toThrow(/^agents\.yaml:\d+: agents\[0\]\.config_projekt: found unknown key/m);
    expect(() => parseRegistryFile(text, "agents.yaml")).toThrow(InvalidRegistryFileError);
  });

  test("an empty registry is one kas accepts as no agents", () => {
    expect(parseRegistryFile(registryYaml([]), "agents.yaml")).toEqual({ agents: [], entries: [] });
  });

  test("kas's hashToken and infra's tokenSha256 are one function", () => {
    expect(hashToken).toBe(tokenSha256);
    const token = randomBytes(30).toString("base64url");
    expect(tokenSha256(token)).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("kas.yaml: infra writes, kas reads", () => {
  const projects: KasProject[] = [
    { id: "group/agent-config", url: "https://gitlab.example.com/group/agent-config.git" },
    { id: "dude/manifests", url: "https://gitlab.example.com/dude/manifests.git", public: true, agents: ["dude-agent", "naww-agent"] },
  ];
  const any = "0.0.0.0";

  test.each<[string, KasHttpAccess]>([
    ["no HTTP credentials", {}],
    ["an agents API token and a webhook secret", { apiTokenFile: `${HTTP_SECRETS_MOUNT}/api-token`, webhookSecretFile: `${HTTP_SECRETS_MOUNT}/webhook-secret` }],
  ])("GIVEN the file registry and %s WHEN kas parses renderKasConfig's file THEN the values infra meant", (_case, access) => {
    const config = parseKasConfig(renderKasConfig(projects, undefined, access), "/etc/kas/kas.yaml");
    expect(config.listen).toEqual({
      grpc: `${any}:${KAS_PORTS.grpc}`,
      grpcs: undefined,
      websocket: { address: `${any}:${KAS_PORTS.websocket}`, path: DEFAULT_WEBSOCKET_PATH, tls: undefined },
      observability: `${any}:${KAS_PORTS.observability}`,
      webhook: access.webhookSecretFile ? `${any}:${KAS_PORTS.webhook}` : undefined,
      api: `${access.apiTokenFile ? any : "127.0.0.1"}:${KAS_PORTS.api}`,
    });
    expect(config.agents).toEqual({ registry: "file", file: `${REGISTRY_MOUNT}/agents.yaml` });
    expect(config.git).toEqual({ cacheDir: KAS_CACHE_DIR, pollPeriodMs: DEFAULT_POLL_PERIOD_MS });
    expect(config.projects).toEqual([
      { id: "group/agent-config", url: "https://gitlab.example.com/group/agent-config.git", public: false, agents: [], credentials: undefined },
      { id: "dude/manifests", url: "https://gitlab.example.com/dude/manifests.git", public: true, agents: ["dude-agent", "naww-agent"], credentials: undefined },
    ]);
    expect(config.webhook).toEqual(access.webhookSecretFile ? { secretFile: access.webhookSecretFile } : undefined);
    expect(config.api).toEqual(access.apiTokenFile ? { tokenFile: access.apiTokenFile, limits: DEFAULT_API_LISTEN_LIMITS } : undefined);
    expect(config.agentConnections).toEqual(DEFAULT_AGENT_CONNECTION_LIMITS);
    expect(config.logLevel).toBe("info");
  });

  test("GIVEN the GitLab registry WHEN kas parses the file THEN it validates tokens with GitLab, reading the mounted secret", () => {
    const config = parseKasConfig(renderKasConfig(projects, { url: "https://gitlab.example.com" }), "/etc/kas/kas.yaml");
    expect(config.agents).toEqual({ registry: "gitlab", url: "https://gitlab.example.com", secretFile: `${REGISTRY_MOUNT}/gitlab-kas-secret`, cacheTtlMs: 30_000 });
  });

  test("GIVEN the Kubernetes API proxy WHEN kas loads the written kas.yaml (loadKasConfig) THEN the https listener on the mounted TLS Secret's files and the OIDC issuer infra meant", () => {
    const oidc = { issuer: "https://gitlab.example.com", audience: "https://kas.example.com" };
    const dir = mkdtempSync(path.join(tmpdir(), "kas-yaml-"));
    try {
      const file = path.join(dir, "kas.yaml");
      writeFileSync(file, renderKasConfig(projects, { url: "https://gitlab.example.com" }, { kubernetesApi: { oidc } }));
      const config = loadKasConfig(file);
      expect(config.listen.kubernetesApi).toEqual({ address: `${any}:${KAS_PORTS.kubernetesApi}`, certFile: `${KUBERNETES_API_TLS_MOUNT}/tls.crt`, keyFile: `${KUBERNETES_API_TLS_MOUNT}/tls.key` });
      // The OIDC issuer infra meant, and kas's own defaults for what infra leaves unset.
      expect(config.kubernetesApi).toEqual({ oidc, limits: DEFAULT_KUBERNETES_API_LIMITS, allowedAgentCacheTtlMs: 60_000, allowedAgentCacheErrorTtlMs: 10_000 });
      // Without it, neither: kas refuses one without the other.
      const without = parseKasConfig(renderKasConfig(projects, undefined, {}), file);
      expect([without.listen.kubernetesApi, without.kubernetesApi]).toEqual([undefined, undefined]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("GIVEN kas replicas WHEN kas parses the written kas.yaml with the pod's OWN_PRIVATE_API_URL THEN redis as infra meant (mounted password, TLS) and the private API on its port with the mounted secret and the pod's URL", () => {
    const text = renderKasConfig(projects, undefined, {}, { redisAddress: "kas-redis.gitlab-agent.svc:6379", redisPassword: true, redisTls: true });
    const saved = process.env[OWN_PRIVATE_API_URL_ENV];
    process.env[OWN_PRIVATE_API_URL_ENV] = `grpc://10.1.2.3:${KAS_PORTS.privateApi}`;
    try {
      const config = parseKasConfig(text, "/etc/kas/kas.yaml");
      expect(config.redis).toEqual({ host: "kas-redis.gitlab-agent.svc", port: 6379, passwordFile: `${KAS_REDIS_MOUNT}/password`, keyPrefix: DEFAULT_REDIS_KEY_PREFIX, tls: {}, dialTimeoutMs: DEFAULT_REDIS_DIAL_TIMEOUT_MS });
      expect(config.privateApi).toEqual({
        listen: { address: `0.0.0.0:${KAS_PORTS.privateApi}`, authenticationSecretFile: `${KAS_PRIVATE_API_MOUNT}/secret` },
        ownUrl: `grpc://10.1.2.3:${KAS_PORTS.privateApi}`,
      });
    } finally {
      if (saved === undefined) delete process.env[OWN_PRIVATE_API_URL_ENV];
      else process.env[OWN_PRIVATE_API_URL_ENV] = saved;
    }
  });
});
