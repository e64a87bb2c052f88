import { parseKasConfig, OWN_PRIVATE_API_URL_ENV } from "./index";

const FILE = "/etc/kas/kas.yaml";
const base = `
listen: { grpc: "127.0.0.1:8150" }
agents: { registry: file, file: agents.yaml }
projects: []
`;
const redis = `redis: { server: { address: "redis:6379" } }\n`;
const privateApi = (extra = "own_url: grpc://10.0.0.5:8155"): string => `
private_api:
  listen: { address: "0.0.0.0:8155", authentication_secret_file: secret/private-api }
  ${extra}
`;

describe("kas.yaml private_api", () => {
  const saved = process.env[OWN_PRIVATE_API_URL_ENV];
  afterEach(() => {
    if (saved === undefined) delete process.env[OWN_PRIVATE_API_URL_ENV];
    else process.env[OWN_PRIVATE_API_URL_ENV] = saved;
  });

  test("absent: no private API (one replica, today's behaviour)", () => {
    expect(parseKasConfig(base, FILE).privateApi).toBeUndefined();
  });

  test("with redis: the listener, the secret file next to kas.yaml, own_url", () => {
    expect(parseKasConfig(base + redis + privateApi(), FILE).privateApi).toEqual({
      listen: { address: "0.0.0.0:8155", authenticationSecretFile: "/etc/kas/secret/private-api" },
      ownUrl: "grpc://10.0.0.5:8155",
    });
  });

  test("TLS: certificate and key next to kas.yaml, the replicas' CA and name; own_url grpcs://", () => {
    const tls = `
private_api:
  listen: { address: "0.0.0.0:8157", authentication_secret_file: s, certificate_file: tls/tls.crt, key_file: tls/tls.key }
  ca_certificate_file: tls/ca.crt
  server_name: kas-private.gitops.svc
  own_url: grpcs://10.0.0.5:8157
`;
    expect(parseKasConfig(base + redis + tls, FILE).privateApi).toEqual({
      listen: { address: "0.0.0.0:8157", authenticationSecretFile: "/etc/kas/s", certificateFile: "/etc/kas/tls/tls.crt", keyFile: "/etc/kas/tls/tls.key" },
      caCertificateFile: "/etc/kas/tls/ca.crt",
      serverName: "kas-private.gitops.svc",
      ownUrl: "grpcs://10.0.0.5:8157",
    });
  });

  test("own_url defaults to OWN_PRIVATE_API_URL", () => {
    process.env[OWN_PRIVATE_API_URL_ENV] = "grpc://[fd00::5]:8155";
    expect(parseKasConfig(base + redis + privateApi(""), FILE).privateApi?.ownUrl).toBe("grpc://[fd00::5]:8155");
  });

  test.each([
    ["without redis, naming both keys", base + privateApi(), "private_api: needs the redis section"],
    ["no own_url and no environment variable", base + redis + privateApi(""), `private_api.own_url: required (or the environment variable ${OWN_PRIVATE_API_URL_ENV})`],
    ["own_url not grpc://", base + redis + privateApi("own_url: http://10.0.0.5:8155"), 'private_api.own_url: "http://10.0.0.5:8155" is not a private API URL; expected "grpc://host:port"'],
    ["no secret file", base + redis + "private_api: { listen: { address: '0.0.0.0:8155' }, own_url: 'grpc://a:1' }", "private_api.listen.authentication_secret_file: required"],
    ["no address", base + redis + "private_api: { listen: { authentication_secret_file: s }, own_url: 'grpc://a:1' }", "private_api.listen.address: required"],
    ["an unknown key", base + redis + privateApi("own_ur: grpc://a:1"), "private_api.own_ur: unknown key"],
    ["a certificate without its key", base + redis + "private_api: { listen: { address: '0.0.0.0:8157', authentication_secret_file: s, certificate_file: c }, own_url: 'grpcs://a:1' }", "private_api.listen: certificate_file and key_file go together"],
    ["TLS with a grpc:// own_url", base + redis + "private_api: { listen: { address: '0.0.0.0:8157', authentication_secret_file: s, certificate_file: c, key_file: k }, own_url: 'grpc://a:1' }", 'private_api.own_url: "grpc://a:1": the listener serves TLS (listen.certificate_file), so the other replicas must call grpcs://'],
    ["grpcs:// without a certificate", base + redis + privateApi("own_url: grpcs://a:1"), 'private_api.own_url: "grpcs://a:1": grpcs:// needs listen.certificate_file and listen.key_file'],
  ])("refused: %s", (_name, text, expected) => {
    delete process.env[OWN_PRIVATE_API_URL_ENV];
    expect(() => parseKasConfig(text, FILE)).toThrow(expected);
  });
});
