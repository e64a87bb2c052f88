/**
 * What each viewer sees of the agents (issue 21 item 5): kas's operator every
 * agent; a GitLab user only those their user_access admits them to (the list,
 * its JSON, an agent's page and JSON); without an access function none.
 */
import type * as http from "node:http";
import type { AgentState } from "../shared";
import { ACCESS_CONCURRENCY, GITLAB_USER_NOTE, Views, type ViewsDeps } from "./views";
import type { AgentAccess, ConsoleViewer } from "./viewer";

const agent = (id: string, name: string): AgentState => ({ id, name, config_project: "group/p", open_streams: 1, connected: true, first_seen: "2026-01-01T00:00:00.000Z", last_seen: "2026-01-01T00:00:00.000Z", projects: {} });
const OPERATOR: ConsoleViewer = { kind: "api-token" };
const WALTER: ConsoleViewer = { kind: "gitlab-user", username: "walter", accessToken: "glpat-walter" };
/** walter may use agent 1, nobody agent 2; each question counted. */
const asked: string[] = [];
const access: AgentAccess = async (viewer, agentId) => {
  asked.push(agentId);
  return viewer.kind === "gitlab-user" && viewer.accessToken === "glpat-walter" && agentId === "1" ? undefined : { status: 403, reason: "Forbidden", message: "kas: GitLab: no" };
};

function views(agentAccess?: AgentAccess): Views {
  const deps: ViewsDeps = {
    shared: { agents: async () => ({ status: "memory", agents: [agent("1", "dude-agent"), agent("2", "secret-agent")] }), commits: async () => ({ status: "memory", commits: new Map() }) },
    registered: () => undefined,
    projects: () => [],
    kas: { version: "9.9.9", commit: "def5678" },
    ...(agentAccess ? { agentAccess } : {}),
  };
  return new Views(deps);
}

async function get(v: Views, path: string, viewer: ConsoleViewer): Promise<{ status: number; body: string }> {
  let status = 0;
  let body = "";
  const res = { writeHead: (s: number) => ((status = s), res), end: (b?: string | Buffer) => void (body = String(b ?? "")) } as unknown as http.ServerResponse;
  expect(await v.serve({ url: path } as http.IncomingMessage, res, path, viewer)).toBe(true);
  return { status, body };
}

const names = (body: string): string[] => (JSON.parse(body) as { agents: { name: string }[] }).agents.map((a) => a.name);

test("kas's operator sees every agent, and no GitLab question is asked for it", async () => {
  asked.length = 0;
  const v = views(access);
  expect(names((await get(v, "/api/v1/agents", OPERATOR)).body)).toEqual(["dude-agent", "secret-agent"]);
  expect((await get(v, "/agents/2", OPERATOR)).status).toBe(200);
  expect(asked).toEqual([]);
});

test("a GitLab user sees the agents user_access admits them to, with a note; another agent is, to them, no agent", async () => {
  const v = views(access);
  const json = JSON.parse((await get(v, "/api/v1/agents", WALTER)).body) as { viewer_note: string };
  expect(names(JSON.stringify(json))).toEqual(["dude-agent"]);
  expect(json.viewer_note).toBe(GITLAB_USER_NOTE);
  const list = await get(v, "/", WALTER);
  expect(list.body).toContain("dude-agent");
  expect(list.body).not.toContain("secret-agent");
  expect(list.body).toContain(GITLAB_USER_NOTE);
  expect((await get(v, "/agents/1", WALTER)).status).toBe(200);
  for (const p of ["/agents/2", "/api/v1/agents/2"]) {
    const r = await get(v, p, WALTER);
    expect(r.status).toBe(404);
    expect(r.body).not.toContain("secret-agent");
  }
});

test("without an access function (no kubernetes_api to judge user_access) a GitLab user sees no agent", async () => {
  const v = views();
  expect(names((await get(v, "/api/v1/agents", WALTER)).body)).toEqual([]);
  expect((await get(v, "/", WALTER)).body).toContain("no agent you may see has connected");
  expect((await get(v, "/agents/1", WALTER)).status).toBe(404);
});

test("the live stream's fingerprint of a GitLab user changes with the agents they see, not with the others", async () => {
  const state = { agents: [agent("1", "dude-agent"), agent("2", "secret-agent")] };
  const v = new Views({
    shared: { agents: async () => ({ status: "memory", agents: state.agents }), commits: async () => ({ status: "memory", commits: new Map() }) },
    registered: () => undefined,
    projects: () => [],
    kas: { version: "9.9.9", commit: "def5678" },
    agentAccess: access,
  });
  const [walter0, operator0] = [await v.fingerprint(WALTER), await v.fingerprint(OPERATOR)];
  expect(walter0).not.toContain("secret-agent");
  state.agents = [agent("1", "dude-agent"), { ...agent("2", "secret-agent"), open_streams: 2 }];
  expect(await v.fingerprint(WALTER)).toBe(walter0);
  expect(await v.fingerprint(OPERATOR)).not.toBe(operator0);
  state.agents = [{ ...agent("1", "dude-agent"), open_streams: 3 }, state.agents[1]!];
  expect(await v.fingerprint(WALTER)).not.toBe(walter0);
});

test(`a GitLab user's list asks GitLab about at most ${ACCESS_CONCURRENCY} agents at once, and keeps the list's order`, async () => {
  let open = 0;
  let most = 0;
  const slow: AgentAccess = async (_viewer, agentId) => {
    most = Math.max(most, ++open);
    await new Promise((r) => setTimeout(r, 5));
    open--;
    return Number(agentId) % 3 === 0 ? { status: 403, reason: "Forbidden", message: "no" } : undefined;
  };
  const many = Array.from({ length: 30 }, (_, i) => agent(String(i + 1), `agent-${String(i + 1).padStart(2, "0")}`));
  const v = new Views({
    shared: { agents: async () => ({ status: "memory", agents: many }), commits: async () => ({ status: "memory", commits: new Map() }) },
    registered: () => undefined,
    projects: () => [],
    kas: { version: "9.9.9", commit: "def5678" },
    agentAccess: slow,
  });
  const shown = names((await get(v, "/api/v1/agents", WALTER)).body);
  expect(most).toBe(ACCESS_CONCURRENCY);
  expect(shown).toEqual(many.filter((a) => Number(a.id) % 3 !== 0).map((a) => a.name).sort());
});
