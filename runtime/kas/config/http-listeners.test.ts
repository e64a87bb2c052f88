/** kas.yaml's HTTP listeners: probes+metrics, webhook and agents API apart; the agents API needs a token unless on loopback. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { isLoopbackAddress } from "./http-listeners";
import { DEFAULT_API_LISTEN_LIMITS, KasConfigError, parseKasConfig } from "./index";
import { readSecretFile } from "./secret-file";

const FILE = "/etc/kas/kas.yaml";
const config = (listen: string, extra = ""): string => `
listen: { grpc: "127.0.0.1:8150", ${listen} }
agents: { registry: file, file: agents.yaml }
${extra}
`;

describe("HTTP listeners in kas.yaml", () => {
  test("observability, webhook and api each on their own address; token and secret paths resolved next to kas.yaml", () => {
    const c = parseKasConfig(
      config('observability: "0.0.0.0:8153", webhook: "0.0.0.0:8154", api: "0.0.0.0:8155"', "webhook: { secret_file: webhook-secret }\napi: { token_file: api-token }"),
      FILE,
    );
    expect(c.listen).toMatchObject({ observability: "0.0.0.0:8153", webhook: "0.0.0.0:8154", api: "0.0.0.0:8155" });
    expect(c.webhook).toEqual({ secretFile: "/etc/kas/webhook-secret" });
    expect(c.api).toEqual({ tokenFile: "/etc/kas/api-token", limits: DEFAULT_API_LISTEN_LIMITS });
  });

  test("api limits: connection cap, timeouts and head size, each defaulted alone", () => {
    const c = parseKasConfig(config('api: "127.0.0.1:8155"', "api: { token_file: t, max_connections: 50, headers_timeout: 2s, request_timeout: 5s, max_header_bytes: 4096 }"), FILE);
    expect(c.api?.limits).toEqual({ maxConnections: 50, headersTimeoutMs: 2_000, requestTimeoutMs: 5_000, maxHeaderBytes: 4096 });
    const d = parseKasConfig(config('api: "127.0.0.1:8155"', "api: { token_file: t, max_connections: 7 }"), FILE);
    expect(d.api?.limits).toEqual({ ...DEFAULT_API_LISTEN_LIMITS, maxConnections: 7 });
  });

  test.each(["127.0.0.1:8155", "127.0.0.2:0", "[::1]:8155"])("the agents API on loopback %s needs no token", (address) => {
    const c = parseKasConfig(config(`api: "${address}"`), FILE);
    expect(c.listen.api).toBe(address);
    expect(c.api).toBeUndefined();
  });

  test.each<[string, string, string]>([
    ["api on all interfaces without a token", config('api: "0.0.0.0:8155"'), "listen.api: 0.0.0.0:8155 is not a loopback address, and api.token_file is not set; expected api: { token_file: <file> }"],
    ["api on an empty host (all interfaces) without a token", config('api: ":8155"'), "listen.api: :8155 is not a loopback address"],
    ["api on a name without a token (a name may resolve elsewhere)", config('api: "localhost:8155"'), "listen.api: localhost:8155 is not a loopback address"],
    ["a token file with no api listener", config("", "api: { token_file: t }"), "api.token_file: set, but listen.api is not"],
    ["an api section without token_file", config('api: "127.0.0.1:1"', "api: {}"), "api.token_file: required in the api section"],
    ["api typo", config('api: "127.0.0.1:1"', "api: { token: t }"), "api.token: unknown key (known: token_file, max_connections, headers_timeout, request_timeout, max_header_bytes)"],
    ["api max_connections zero", config('api: "127.0.0.1:1"', "api: { token_file: t, max_connections: 0 }"), "api.max_connections"],
    ["api headers_timeout past request_timeout", config('api: "127.0.0.1:1"', "api: { token_file: t, headers_timeout: 90s }"), "api.headers_timeout: 90000 ms is longer than api.request_timeout (60000 ms)"],
    ["api headers_timeout zero", config('api: "127.0.0.1:1"', "api: { token_file: t, headers_timeout: 0s }"), "api.headers_timeout"],
    ["a webhook secret with no webhook listener (it used to share the observability port)", config('observability: "127.0.0.1:8153"', "webhook: { secret_file: s }"), "webhook.secret_file: set, but listen.webhook is not"],
    ["a webhook listener without a secret", config('webhook: "127.0.0.1:8154"'), "listen.webhook: set, but webhook.secret_file is not"],
    ["two listeners on one port", config('observability: "127.0.0.1:8153", api: "127.0.0.1:8153"'), "listen.api: 127.0.0.1:8153 is also listen.observability; expected each listener on its own port"],
  ])("%s is refused", (_name, text, message) => {
    expect(() => parseKasConfig(text, FILE)).toThrow(KasConfigError);
    expect(() => parseKasConfig(text, FILE)).toThrow(message);
  });

  test.each<[string, boolean]>([
    ["127.0.0.1:1", true],
    ["127.255.0.9:1", true],
    ["[::1]:1", true],
    ["0.0.0.0:1", false],
    [":1", false],
    ["[::]:1", false],
    ["10.0.0.1:1", false],
    ["localhost:1", false],
    ["127.0.0.1.example.com:1", false],
  ])("isLoopbackAddress(%s) is %s", (address, expected) => expect(isLoopbackAddress(address)).toBe(expected));
});

describe("readSecretFile", () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(path.join(tmpdir(), "kas-secret-"))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("trims a secret", () => {
    writeFileSync(path.join(dir, "ok"), "  s3cret\n");
    expect(readSecretFile(path.join(dir, "ok"), "webhook.secret_file")).toBe("s3cret");
  });

  // With an empty secret, an empty X-Gitlab-Token used to be accepted.
  test.each(["", "\n", "  \n\t"])("an empty file (%j) is refused, naming key and file", (content) => {
    const f = path.join(dir, "empty");
    writeFileSync(f, content);
    expect(() => readSecretFile(f, "webhook.secret_file")).toThrow(KasConfigError);
    expect(() => readSecretFile(f, "webhook.secret_file")).toThrow(`webhook.secret_file: ${f} is empty; expected a secret`);
  });

  test("a missing file names key, file and code", () => {
    expect(() => readSecretFile(path.join(dir, "nope"), "api.token_file")).toThrow(`api.token_file: cannot read ${path.join(dir, "nope")}: ENOENT`);
  });
});
