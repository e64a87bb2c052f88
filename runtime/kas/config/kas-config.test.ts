import { parseKasConfig, KasConfigError } from "./index";
import { parseDurationMs } from "./values";

const FILE = "/etc/kas/kas.yaml";
const minimal = `
listen: { grpc: "127.0.0.1:8150", observability: "127.0.0.1:8151" }
agents: { registry: file, file: agents.yaml }
projects:
  - { id: group/agent-config, url: repos/agent-config.git }
`;

/** The message parseKasConfig throws for `text` ("" when it does not throw). */
function messageOf(text: string): string {
  try {
    parseKasConfig(text, FILE);
  } catch (err) {
    return (err as Error).message;
  }
  return "";
}

describe("kas config", () => {
  test("a minimal config gets defaults and paths resolved next to the file", () => {
    const c = parseKasConfig(minimal, FILE);
    expect(c.listen).toEqual({ grpc: "127.0.0.1:8150", observability: "127.0.0.1:8151", grpcs: undefined, websocket: undefined });
    expect(c.agents).toEqual({ registry: "file", file: "/etc/kas/agents.yaml" });
    expect(c.git).toEqual({ cacheDir: "/etc/kas/.kas-cache", pollPeriodMs: 20_000 });
    expect(c.projects).toEqual([{ id: "group/agent-config", url: "/etc/kas/repos/agent-config.git", public: false, agents: [], credentials: undefined }]);
    expect(c.logLevel).toBe("info");
  });

  test("websocket gets GitLab's default path; remote projects keep their URL", () => {
    const c = parseKasConfig(
      `${minimal}
  - { id: team/manifests, url: "https://git.example/team/manifests.git", public: true, credentials: { username: bot, password_file: pw } }
git: { poll_period: 1m30s }
`.replace('listen: { grpc: "127.0.0.1:8150", observability: "127.0.0.1:8151" }', 'listen: { websocket: { address: "127.0.0.1:0" } }'),
      FILE,
    );
    expect(c.listen.websocket).toEqual({ address: "127.0.0.1:0", path: "/-/kubernetes-agent/", tls: undefined });
    expect(c.projects[1]).toEqual({
      id: "team/manifests",
      url: "https://git.example/team/manifests.git",
      public: true,
      agents: [],
      credentials: { username: "bot", passwordFile: "/etc/kas/pw" },
    });
    expect(c.git.pollPeriodMs).toBe(90_000);
  });

  test.each([
    ["not YAML", "listen: [", "not valid YAML"],
    ["unknown top-level key", `${minimal}\nlisen: {}`, "lisen: unknown key"],
    ["no listener", "agents: { file: a.yaml }", "listen: at least one of grpc, grpcs, websocket is required"],
    ["bad address", minimal.replace('"127.0.0.1:8150"', '"localhost"'), 'listen.grpc: expected an address "host:port", found string "localhost"'],
    ["bad registry", minimal.replace("registry: file", "registry: ldap"), "agents.registry: expected one of file, gitlab"],
    ["file registry without file", minimal.replace(", file: agents.yaml", ""), "agents.file: required with registry file"],
    ["gitlab without url", minimal.replace("registry: file, file: agents.yaml", "registry: gitlab"), "agents.gitlab: url and secret_file are required"],
    ["grpcs without cert", `${minimal}\n`.replace('grpc: "127.0.0.1:8150"', 'grpcs: { address: "127.0.0.1:1" }'), "listen.grpcs: cert_file and key_file are required"],
    ["project without url", minimal.replace(", url: repos/agent-config.git", ""), "projects[0]: id and url are required"],
    ["duplicate project", `${minimal}  - { id: group/agent-config, url: x }\n`, 'projects[1].id: project "group/agent-config" is listed twice'],
    ["public not a bool", minimal.replace("url: repos/agent-config.git", 'url: r, public: "yes"'), 'projects[0].public: expected true or false, found string "yes"'],
    ["bad duration", `${minimal}git: { poll_period: soon }`, 'git.poll_period: expected a duration such as "20s" or "1m30s", found string "soon"'],
  ])("%s is an error naming the key", (_name, text, message) => {
    expect(() => parseKasConfig(text, FILE)).toThrow(KasConfigError);
    expect(() => parseKasConfig(text, FILE)).toThrow(message);
  });

  test("every error is reported at once, each with the file", () => {
    const lines = messageOf("listen: { grpc: x }\nagents: { registry: ldap }\nlog_level: loud\n").split("\n");
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const l of lines) expect(/^:\d+:\d+: /.test(l.slice(FILE.length)) && l.startsWith(FILE)).toBe(true); // each with the file and now its line:col
  });

  test.each([
    ["20s", 20_000],
    ["1m30s", 90_000],
    ["250ms", 250],
    ["1h", 3_600_000],
    ["1.5s", 1500],
    ["20", undefined],
    ["-1s", undefined],
  ])("duration %s", (s, ms) => expect(parseDurationMs(s)).toBe(ms));
});

describe("agent_connections", () => {
  test("defaults (GitLab kas's 2 h connection age) and values given", () => {
    expect(parseKasConfig(minimal, FILE).agentConnections).toEqual({
      keepaliveTimeMs: 30_000,
      keepaliveTimeoutMs: 10_000,
      maxConnectionAgeMs: 7_200_000,
      maxConnectionAgeGraceMs: 60_000,
      maxStreamsPerAgent: 100,
      stalledStreamTimeoutMs: 120_000,
      maxBufferedBytesPerAgent: 64 * 1024 * 1024,
      maxIdleTunnelsPerAgent: 16,
      maxTunnelRequestsPerAgent: 64,
    });
    const c = parseKasConfig(`${minimal}agent_connections: { max_connection_age: 30m, max_streams_per_agent: 10, stalled_stream_timeout: 45s }\n`, FILE);
    expect(c.agentConnections).toMatchObject({ maxConnectionAgeMs: 1_800_000, maxStreamsPerAgent: 10, stalledStreamTimeoutMs: 45_000 });
  });

  test("zero durations, a budget under one batch, and unknown keys are errors naming the key", () => {
    const text = `${minimal}agent_connections: { max_connection_age: 0s, stalled_stream_timeout: 0, max_buffered_bytes_per_agent: 1024, max_streams: 3 }\n`;
    expect(() => parseKasConfig(text, FILE)).toThrow(KasConfigError);
    const message = messageOf(text);
    expect(message).toContain(`${FILE}:6:22: agent_connections.max_connection_age: expected a duration above zero, found "0s"`);
    expect(message).toContain(`${FILE}:6:46: agent_connections.stalled_stream_timeout: expected a duration above zero, found 0`);
    expect(message).toContain(`${FILE}:6:73: agent_connections.max_buffered_bytes_per_agent: expected at least 20971520 (one project's largest batch), found 1024`);
    expect(message).toMatch(/agent_connections.max_streams: unknown key/);
  });
});

describe("kas.yaml errors give file:line:col", () => {
  test.each([
    ["a bad value points at its key", 'listen:\n  grpc: "127.0.0.1:8150"\n  observability: localhost\nagents: { registry: file, file: a.yaml }\n', `${FILE}:3:3: listen.observability: expected an address "host:port", found string "localhost"`],
    ["an unknown top-level key", `${minimal}lisen: {}\n`, `${FILE}:6:1: lisen: unknown key (known: listen, agents, git, projects, webhook, api, agent_connections, kubernetes_api, log_level, redis, private_api, console) (did you mean "listen"?)`],
    ["a key inside a flow mapping", minimal.replace("registry: file", "registry: ldap"), `${FILE}:3:11: agents.registry: expected one of file, gitlab, found string "ldap"`],
    ["the second entry of a list", `${minimal}  - { id: group/agent-config, url: x }\n`, `${FILE}:6:7: projects[1].id: project "group/agent-config" is listed twice`],
    ["a rule between sections, at the first key named", 'listen: { grpc: "127.0.0.1:1", api: "0.0.0.0:8155" }\nagents: { registry: file, file: a.yaml }\n', `${FILE}:1:32: listen.api: 0.0.0.0:8155 is not a loopback address`],
    ["invalid YAML", "listen: [\n", `${FILE}:2:1: not valid YAML`],
    ["a duplicate key", `${minimal}git: {}\ngit: {}\n`, `${FILE}:7:1: not valid YAML: Map keys must be unique`],
  ])("%s", (_name, text, message) => {
    expect(() => parseKasConfig(text, FILE)).toThrow(KasConfigError);
    expect(() => parseKasConfig(text, FILE)).toThrow(message);
  });

  test("errors are listed in source order", () => {
    const message = messageOf('log_level: loud\nlisten: { grpc: x }\nagents: { registry: ldap, file: a.yaml }\n');
    expect(message.split("\n").map((l) => l.slice(FILE.length).split(": ")[0])).toEqual([":1:1", ":2:1", ":2:11", ":3:11"]);
  });
});
