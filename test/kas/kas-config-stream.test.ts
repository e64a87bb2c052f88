/** kas GetConfiguration against real git repositories, over real gRPC and the WebSocket tunnel. */
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { buildInfo, formatVersion } from "../../runtime/common";
import { bearerMetadata, type ConfigurationResponse } from "../../runtime/rpc";
import { commitFiles, makeRepo, removeDir, tempDir } from "../git";
import { newToken, record, startTestKas, type TestKas } from "./index";
import { until } from "../until";

const CONFIG = ".gitlab/agents/dude-agent/config.yaml";
const meta = { version: "test", pod_namespace: "gitlab-k8s-agent", pod_name: "agentk-0" };
let dir: string;
let repo: string;
let kas: TestKas;
let revokedToken: string;

beforeAll(async () => {
  dir = await tempDir();
  repo = path.join(dir, "agent-config");
  await makeRepo(repo, {
    [CONFIG]: "gitops:\n  manifest_projects:\n  - id: group/agent-config\n    default_namespace: dude\n    paths:\n    - glob: '/manifests/**/*.yaml'\nci_access:\n  projects:\n  - id: group/app\ncontainer_scanning:\n  cadence: '0 0 * * *'\n",
  });
  revokedToken = newToken();
  kas = await startTestKas({
    agents: [{ name: "dude-agent", id: "7", configProject: "group/agent-config", revoked: [revokedToken] }],
    projects: [{ id: "group/agent-config", url: repo }],
  });
});
afterAll(async () => {
  await kas?.stop();
  await removeDir(dir);
});

const open = async (transport: "grpc" | "ws", token = kas.tokens["dude-agent"]!, commit = "") =>
  record<ConfigurationResponse>((await kas.clients(token, transport)).configuration.GetConfiguration({ commit_id: commit, agent_meta: meta }, bearerMetadata(token)));

describe.each(["grpc", "ws"] as const)("configuration stream over %s", (transport) => {
  test("sends the parsed config with defaults, warnings for unimplemented sections, and the agent's id", async () => {
    const s = await open(transport);
    const [first] = await s.atLeast(1);
    s.cancel();
    expect(first!.event).toBe("configuration");
    expect(first!.agent_id).toBe("7");
    expect(first!.agent_name).toBe("dude-agent");
    expect(first!.commit_id).toMatch(/^[0-9a-f]{40}$/);
    const project = first!.configuration!.gitops.manifest_projects[0]!;
    expect(project).toMatchObject({ id: "group/agent-config", default_namespace: "dude", prune: true, inventory_policy: "must_match", reconcile_timeout_seconds: 3600 });
    expect(project.paths).toEqual([{ glob: "/manifests/**/*.yaml" }]);
    expect(first!.warnings).toEqual(["container_scanning is not implemented by this agent and is ignored"]);
    expect(Object.keys(first!.configuration!)).toEqual(["gitops", "observability"]); // ci_access stays in kas
  });
});

test("nothing is sent while the agent already has the commit; a new commit is sent at once (local repo watch)", async () => {
  const first = await open("grpc");
  const [initial] = await first.atLeast(1);
  first.cancel();
  const s = await open("grpc", undefined, initial!.commit_id);
  await new Promise((r) => setTimeout(r, 500));
  expect(s.items).toHaveLength(0);
  const next = await commitFiles(repo, { [CONFIG]: "gitops:\n  manifest_projects:\n  - id: group/agent-config\n    default_namespace: other\n" });
  const [msg] = await s.atLeast(1, 5000); // poll period is 20 s: only the file watch can be this fast
  expect(msg!.commit_id).toBe(next);
  expect(msg!.configuration!.gitops.manifest_projects[0]!.default_namespace).toBe("other");
  s.cancel();
});

test("a commit that leaves the agent's config.yaml as it was sends nothing, yet counts as seen; the next change is sent", async () => {
  const s = await open("grpc");
  const [initial] = await s.atLeast(1);
  const unrelated = await commitFiles(repo, { "manifests/app.yaml": "kind: ConfigMap\n" });
  // the file watch sees the commit at once (as in the test above); give kas time to (not) send
  await new Promise((r) => setTimeout(r, 1000));
  expect(s.items).toHaveLength(1);
  const state = kas.kas.tracker.list().find((a) => a.name === "dude-agent");
  expect(state).toMatchObject({ config_commit: unrelated, config_error: undefined });
  expect(unrelated).not.toBe(initial!.commit_id);
  const changed = await commitFiles(repo, { [CONFIG]: "gitops:\n  manifest_projects:\n  - id: group/agent-config\n    default_namespace: third\n" });
  const [, msg] = await s.atLeast(2, 5000);
  expect(msg!.commit_id).toBe(changed);
  expect(msg!.configuration!.gitops.manifest_projects[0]!.default_namespace).toBe("third");
  s.cancel();
});

test.each([
  ["not YAML", "gitops: [\n", "invalid YAML"],
  ["an unknown field (typo)", "gitops:\n  manifest_projets: []\n", "manifest_projets"],
  ["a wrong type", "gitops:\n  manifest_projects:\n  - id: group/agent-config\n    prune: maybe\n", "gitops.manifest_projects[0].prune"],
  ["over 128 KiB", `# ${"x".repeat(130 * 1024)}\n`, "131072"],
])("config.yaml with %s: the agent gets an error event naming it, then the next good config", async (_name, bad, expected) => {
  const s = await open("grpc");
  await s.atLeast(1);
  const badCommit = await commitFiles(repo, { [CONFIG]: bad });
  const [, err] = await s.atLeast(2);
  expect(err!.event).toBe("error");
  expect(err!.commit_id).toBe(badCommit);
  expect(err!.error!.message).toContain(expected);
  await commitFiles(repo, { [CONFIG]: "gitops: {}\n" });
  const [, , good] = await s.atLeast(3);
  expect(good!.event).toBe("configuration");
  s.cancel();
});

test.each([
  ["missing", undefined, "missing agent token"],
  ["malformed", "Token abc", "malformed authorization"],
  ["unknown", `Bearer ${newToken()}`, "unknown or revoked agent token"],
])("a %s token is UNAUTHENTICATED with a message a person can act on", async (_name, header, message) => {
  const clients = await kas.clients("x");
  const md = new grpc.Metadata();
  if (header) md.set("authorization", header);
  const err = await record(clients.configuration.GetConfiguration({ commit_id: "", agent_meta: meta }, md)).failed();
  expect(err.code).toBe(grpc.status.UNAUTHENTICATED);
  expect(err.details).toContain(message);
});

test("a revoked token is refused, and revoking a live token takes effect at the next RPC", async () => {
  const err = await (await open("grpc", revokedToken)).failed();
  expect(err.code).toBe(grpc.status.UNAUTHENTICATED);
  const rotated = newToken();
  kas.writeAgents([{ name: "dude-agent", id: "7", configProject: "group/agent-config", tokens: [kas.tokens["dude-agent"]!, rotated] }]);
  await (await open("grpc", rotated)).atLeast(1);
  kas.writeAgents([{ name: "dude-agent", id: "7", configProject: "group/agent-config", tokens: [rotated], revoked: [kas.tokens["dude-agent"]!] }]);
  const refused = await (await open("grpc")).failed();
  expect(refused.code).toBe(grpc.status.UNAUTHENTICATED);
  // and over the WebSocket tunnel the upgrade itself is refused: the call fails UNAVAILABLE
  const ws = await (await open("ws")).failed();
  expect([grpc.status.UNAVAILABLE, grpc.status.UNAUTHENTICATED]).toContain(ws.code);
  kas.writeAgents([{ name: "dude-agent", id: "7", configProject: "group/agent-config", tokens: [kas.tokens["dude-agent"]!] }]);
});

test("no token ever appears in kas's logs", () => {
  const all = kas.logs.join("");
  expect(all.length).toBeGreaterThan(0);
  expect(all).not.toContain(kas.tokens["dude-agent"]!);
  expect(all).not.toContain(revokedToken);
  expect(all).not.toContain("glagent-");
});

test("the agent_meta of a configuration request is kept per agent and served by the agents API (version and commit shown on the page)", async () => {
  const token = kas.tokens["dude-agent"]!;
  const s = record<ConfigurationResponse>(
    (await kas.clients(token, "grpc")).configuration.GetConfiguration({ commit_id: "", agent_meta: { ...meta, version: "1.2.3", commit_id: "abc1234" } }, bearerMetadata(token)),
  );
  await s.atLeast(1);
  const api = (await (await fetch(`${kas.apiUrl}/api/v1/agents`)).json()) as { agents: { name: string; agent_meta?: unknown }[] };
  expect(api.agents.find((a) => a.name === "dude-agent")?.agent_meta).toEqual({ version: "1.2.3", commit_id: "abc1234", pod_namespace: "gitlab-k8s-agent", pod_name: "agentk-0" });
  expect(await (await fetch(`${kas.apiUrl}/`)).text()).toContain(">dude-agent</a></td><td>1.2.3 (abc1234)</td>");
  s.cancel();
});

const noStreamOpen = async () => (kas.kas.tracker.openStreams("7") === 0 ? true : undefined);

/** The Agent connected/disconnected lines kas logs while `streams` runs (from and until no stream of agent 7 is open). */
async function connectionLines(streams: () => Promise<void>): Promise<Record<string, unknown>[]> {
  await until("earlier tests' streams closed", noStreamOpen, 5000, undefined, 20);
  const from = kas.logs.length;
  await streams();
  await until("no stream left", noStreamOpen, 5000, undefined, 20);
  return kas.logs
    .slice(from)
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => /^Agent (dis)?connected$/.test(String(l.msg)));
}

test("kas logs at info when an agent connects (its first stream) and disconnects (its last), with its id and remote address", async () => {
  const lines = await connectionLines(async () => {
    const a = await open("grpc");
    await a.atLeast(1);
    const b = await open("ws");
    await b.atLeast(1);
    // The tunnelled stream ends first (its peer is the WebSocket's remote address; see the test below).
    b.cancel();
    await until("one stream left", async () => (kas.kas.tracker.openStreams("7") === 1 ? true : undefined), 5000, undefined, 20);
    a.cancel();
  });
  const who = { level: "info", component: "kas", agent_id: "7", agent_name: "dude-agent", peer: expect.stringMatching(/127\.0\.0\.1:\d+$/) };
  expect(lines).toEqual([
    expect.objectContaining({ ...who, msg: "Agent connected", grpc_method: "GetConfiguration" }),
    expect.objectContaining({ ...who, msg: "Agent disconnected" }),
  ]);
});

test("an agent tunnelled over WebSocket: Agent connected/disconnected name the WebSocket's remote address, not unknown", async () => {
  const lines = await connectionLines(async () => {
    const s = await open("ws");
    await s.atLeast(1);
    s.cancel();
  });
  const who = { agent_id: "7", peer: expect.stringMatching(/^127\.0\.0\.1:\d+$/) };
  expect(lines).toEqual([
    expect.objectContaining({ ...who, msg: "Agent connected", grpc_method: "GetConfiguration" }),
    expect.objectContaining({ ...who, msg: "Agent disconnected" }),
  ]);
});

test("kas's own version (its package's) and commit are in the agents API's JSON and the console's footer", async () => {
  const { version, commit } = buildInfo();
  expect(version).toMatch(/^\d+\.\d+\.\d+/);
  const api = (await (await fetch(`${kas.apiUrl}/api/v1/agents`)).json()) as { kas?: unknown };
  expect(api.kas).toEqual({ version, commit });
  expect(await (await fetch(`${kas.apiUrl}/`)).text()).toContain(`<footer>kas ${formatVersion({ version, commit })}</footer>`);
});
