import { parseKasConfig, KasConfigError } from "./index";

const FILE = "/etc/kas/kas.yaml";
const base = `
listen: { grpc: "127.0.0.1:8150" }
agents: { registry: file, file: agents.yaml }
projects: [{ id: group/agent-config, url: repos/agent-config.git }]
`;

function errorOf(yaml: string): string {
  try {
    parseKasConfig(base + yaml, FILE);
  } catch (err) {
    expect(err).toBeInstanceOf(KasConfigError);
    return (err as Error).message;
  }
  throw new Error("expected a KasConfigError");
}

describe("kas.yaml redis", () => {
  test("absent: no redis (one replica, state in memory)", () => {
    expect(parseKasConfig(base, FILE).redis).toBeUndefined();
  });

  test("GitLab's keys: address, password file next to kas.yaml, prefix, tls, dial timeout", () => {
    const c = parseKasConfig(
      `${base}redis:
  server: { address: "redis.example:6380" }
  password_file: redis/password
  key_prefix: prod-kas
  tls: { enabled: true, ca_certificate_file: redis/ca.crt }
  dial_timeout: 2s
`,
      FILE,
    );
    expect(c.redis).toEqual({ host: "redis.example", port: 6380, passwordFile: "/etc/kas/redis/password", keyPrefix: "prod-kas", tls: { caCertificateFile: "/etc/kas/redis/ca.crt" }, dialTimeoutMs: 2000 });
  });

  test("defaults: prefix gitops-agent-kas, 5 s dial timeout, no TLS, IPv6 brackets dropped", () => {
    const c = parseKasConfig(`${base}redis: { server: { address: "[::1]:6379" } }\n`, FILE);
    expect(c.redis).toEqual({ host: "::1", port: 6379, keyPrefix: "gitops-agent-kas", dialTimeoutMs: 5000 });
  });

  test.each([
    ["redis: {}\n", "redis.server"],
    ['redis: { server: { address: "redis" } }\n', 'redis.server.address: expected an address'],
    ['redis: { server: { address: "redis:99999" } }\n', "redis.server.address"],
    ['redis: { server: { address: "r:6379" }, key_prefix: "a b" }\n', "redis.key_prefix"],
    ['redis: { server: { address: "r:6379" }, tls: { ca_certificate_file: ca } }\n', "redis.tls.ca_certificate_file"],
    ['redis: { server: { address: "r:6379" }, passwd_file: x }\n', "passwd_file"],
  ])("%s is refused naming %s", (yaml, key) => {
    expect(errorOf(yaml)).toContain(key);
  });
});
