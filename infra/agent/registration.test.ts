/**
 * The GitLabAgentRegistration provider's methods, called directly (as Pulumi's
 * dynamic provider host calls them) against a local stand-in for GitLab's
 * cluster agent REST API on a loopback port.
 */
import * as pulumi from "@pulumi/pulumi";
import { startFakeGitLabAgentsApi as startFakeGitLab, type FakeGitLabAgentsApi as FakeGitLab } from "../../test/fakes";
import { GitLabAgentsApi, GitLabApiError } from "./gitlab-api";
import { DEFAULT_TOKEN_NAME, gitlabAgentRegistrationProvider as provider, validateRegistrationInputs, type RegistrationInputs, type RegistrationOutputs } from "./registration";

const MAINTAINER = "glpat-maintainer-Secret-0123456789";
const GUEST = "glpat-guest-Secret-9876543210";
const BAD = "glpat-revoked-Secret-5555555555";
const PROJECT = "group/agent-config";

let gitlab: FakeGitLab;
const savedToken = process.env.GITLAB_TOKEN;
/** Every error message a test saw; none may carry an access token. */
const seen: string[] = [];

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    seen.push(String(err), (err as Error).stack ?? "", JSON.stringify(err));
    return err as Error;
  }
  throw new Error("expected a rejection");
}

async function checked(news: Partial<RegistrationInputs>): Promise<RegistrationInputs> {
  const result = await provider.check!({} as RegistrationInputs, news as RegistrationInputs);
  expect(result.failures).toEqual([]);
  return result.inputs as RegistrationInputs;
}

function api(): GitLabAgentsApi {
  return new GitLabAgentsApi({ gitlabUrl: gitlab.url, privateToken: MAINTAINER });
}

beforeEach(async () => {
  gitlab = await startFakeGitLab({ projects: { [PROJECT]: 42, "other/project": 43 }, maintainerTokens: [MAINTAINER], guestTokens: [GUEST] });
  process.env.GITLAB_TOKEN = MAINTAINER;
});

afterEach(async () => {
  await gitlab.close();
  if (savedToken === undefined) delete process.env.GITLAB_TOKEN;
  else process.env.GITLAB_TOKEN = savedToken;
});

afterAll(() => {
  expect(seen.length).toBeGreaterThan(0);
  const all = seen.join("\n");
  for (const secret of [MAINTAINER, GUEST, BAD]) expect(all).not.toContain(secret);
});

describe("create", () => {
  test("registers the agent, then creates its token, and returns the token once", async () => {
    const inputs = await checked({ gitlabUrl: `${gitlab.url}/`, project: PROJECT, agentName: "dude-agent" });
    expect(inputs.tokenName).toBe(DEFAULT_TOKEN_NAME);
    expect(inputs.gitlabUrl).toBe(gitlab.url);

    const { id, outs } = await provider.create(inputs);
    const agent = [...gitlab.agents.values()].find((a) => a.name === "dude-agent");
    expect(agent).toBeDefined();
    expect(id).toBe(`${PROJECT}:${agent!.id}`);
    expect(outs).toMatchObject({ agentId: agent!.id, agentName: "dude-agent", project: PROJECT, configProject: PROJECT, tokenStatus: "active" });
    expect(outs!.token).toMatch(/^glagent-[A-Za-z0-9_-]{50}$/);
    expect(gitlab.tokens.get(outs!.tokenId)?.secret).toBe(outs!.token);
    expect(gitlab.requests).toEqual([
      "POST /api/v4/projects/group%2Fagent-config/cluster_agents -> 201",
      `POST /api/v4/projects/group%2Fagent-config/cluster_agents/${agent!.id}/tokens -> 201`,
    ]);

    // GitLab never shows the secret again.
    const listed = await api().listTokens(PROJECT, agent!.id);
    expect(listed.map((t) => t.id)).toEqual([outs!.tokenId]);
    expect(JSON.stringify(listed)).not.toContain(outs!.token);
  });

  test("an agent name already registered fails with a clear message and adopts nothing", async () => {
    await api().registerAgent(PROJECT, "dude-agent");
    const err = await rejection(provider.create(await checked({ gitlabUrl: gitlab.url, project: PROJECT, agentName: "dude-agent" })));
    expect(err).toBeInstanceOf(GitLabApiError);
    expect((err as GitLabApiError).kind).toBe("name-taken");
    expect(err.message).toMatch(/agent named "dude-agent" is already registered in project "group\/agent-config"/);
    expect(err.message).toMatch(/returned 400/);
    expect(gitlab.tokens.size).toBe(0);
  });

  test("a token that cannot be created rolls the new agent back", async () => {
    // An empty token name gets past no GitLab; check() would refuse it, so call create directly.
    const err = await rejection(provider.create({ gitlabUrl: gitlab.url, project: PROJECT, agentName: "dude-agent", tokenName: "" }));
    expect((err as GitLabApiError).status).toBe(400);
    expect(gitlab.agents.size).toBe(0);
    expect(gitlab.requests.at(-1)).toMatch(/^DELETE \/api\/v4\/projects\/group%2Fagent-config\/cluster_agents\/\d+ -> 204$/);
  });

  test("a Guest's token gets a 403 that names the endpoint and the role to check", async () => {
    process.env.GITLAB_TOKEN = GUEST;
    const err = await rejection(provider.create(await checked({ gitlabUrl: gitlab.url, project: PROJECT, agentName: "dude-agent" })));
    expect((err as GitLabApiError).kind).toBe("forbidden");
    expect(err.message).toContain(`POST ${gitlab.url}/api/v4/projects/group%2Fagent-config/cluster_agents returned 403`);
    expect(err.message).toMatch(/Maintainer role/);
    expect(err.message).toMatch(/`api` scope/);
    expect(err.message).not.toContain(GUEST);
    expect(gitlab.agents.size).toBe(0);
  });

  test("an unknown token gets a 401 that points at GITLAB_TOKEN", async () => {
    process.env.GITLAB_TOKEN = BAD;
    const err = await rejection(provider.create(await checked({ gitlabUrl: gitlab.url, project: PROJECT, agentName: "dude-agent" })));
    expect((err as GitLabApiError).kind).toBe("unauthorized");
    expect(err.message).toMatch(/returned 401/);
    expect(err.message).toMatch(/GITLAB_TOKEN/);
    expect(err.message).not.toContain(BAD);
  });

  test("an unknown project says so", async () => {
    const err = await rejection(provider.create(await checked({ gitlabUrl: gitlab.url, project: "group/missing", agentName: "dude-agent" })));
    expect((err as GitLabApiError).kind).toBe("project-not-found");
    expect(err.message).toMatch(/no project "group\/missing" visible to this token/);
  });

  test("without GITLAB_TOKEN nothing is sent", async () => {
    delete process.env.GITLAB_TOKEN;
    const err = await rejection(provider.create(await checked({ gitlabUrl: gitlab.url, project: PROJECT, agentName: "dude-agent" })));
    expect(err.message).toMatch(/GITLAB_TOKEN is not set/);
    expect(gitlab.requests).toEqual([]);
  });

  test("GitLab unreachable names the address to check", async () => {
    const url = gitlab.url;
    await gitlab.close();
    const err = await rejection(provider.create(await checked({ gitlabUrl: url, project: PROJECT, agentName: "dude-agent" })));
    expect((err as GitLabApiError).kind).toBe("network");
    expect(err.message).toContain(`Could not reach GitLab for POST ${url}/api/v4/projects/group%2Fagent-config/cluster_agents`);
    gitlab = await startFakeGitLab({ projects: {}, maintainerTokens: [] });
  });
});

describe("read, update and delete", () => {
  let state: RegistrationOutputs;
  let id: string;

  beforeEach(async () => {
    const created = await provider.create(await checked({ gitlabUrl: gitlab.url, project: PROJECT, agentName: "dude-agent" }));
    id = created.id;
    state = created.outs!;
    gitlab.requests.length = 0;
  });

  test("read keeps the token (GitLab cannot give it again) while the agent and token live", async () => {
    const result = await provider.read!(id, state);
    expect(result.id).toBe(id);
    expect(result.props).toEqual(state);
    expect(await provider.diff!(id, result.props!, state)).toEqual({ changes: false, replaces: [] });
  });

  test("a token revoked in GitLab shows on read, and the next update rotates it", async () => {
    await api().revokeToken(PROJECT, state.agentId, state.tokenId);
    const refreshed = (await provider.read!(id, state)).props!;
    expect(refreshed.tokenStatus).toBe("revoked");
    expect(await provider.diff!(id, refreshed, state)).toEqual({ changes: true, replaces: [] });

    const { outs } = await provider.update!(id, refreshed, state);
    expect(outs!.tokenId).not.toBe(state.tokenId);
    expect(outs!.token).not.toBe(state.token);
    expect(outs!.tokenStatus).toBe("active");
    expect(outs!.agentId).toBe(state.agentId);
    expect(gitlab.tokens.get(outs!.tokenId)?.status).toBe("active");
  });

  test("a new token name rotates: the new token first, then the old one revoked", async () => {
    const news = { ...state, tokenName: "rotated" } as RegistrationInputs;
    expect(await provider.diff!(id, state, news)).toEqual({ changes: true, replaces: [] });
    const { outs } = await provider.update!(id, state, news);
    expect(gitlab.tokens.get(state.tokenId)?.status).toBe("revoked");
    expect(gitlab.tokens.get(outs!.tokenId)).toMatchObject({ status: "active", name: "rotated" });
    expect(gitlab.requests.map((r) => r.split(" ")[0])).toEqual(["POST", "DELETE"]);
  });

  test.each([
    ["agentName", "other-agent"],
    ["project", "other/project"],
    ["gitlabUrl", "https://gitlab.example.com"],
  ] as const)("a new %s replaces the registration", async (key, value) => {
    const news = { ...state, [key]: value } as RegistrationInputs;
    expect(await provider.diff!(id, state, news)).toEqual({ changes: true, replaces: [key] });
  });

  test("an agent deleted in GitLab reads as gone", async () => {
    await api().deleteAgent(PROJECT, state.agentId);
    expect((await provider.read!(id, state)).id).toBe("");
  });

  test("delete revokes the token, then deletes the agent", async () => {
    await provider.delete!(id, state);
    const base = `/api/v4/projects/group%2Fagent-config/cluster_agents/${state.agentId}`;
    expect(gitlab.requests).toEqual([`DELETE ${base}/tokens/${state.tokenId} -> 204`, `DELETE ${base} -> 204`]);
    expect(gitlab.agents.size).toBe(0);
    expect(await api().getAgent(PROJECT, state.agentId)).toBeUndefined();
  });

  test("delete of an agent already gone in GitLab succeeds", async () => {
    await api().deleteAgent(PROJECT, state.agentId);
    await expect(provider.delete!(id, state)).resolves.toBeUndefined();
  });

  test("delete with a Guest's token fails and leaves the agent", async () => {
    process.env.GITLAB_TOKEN = GUEST;
    const err = await rejection(provider.delete!(id, state));
    expect(err.message).toMatch(/returned 403/);
    expect(gitlab.agents.has(state.agentId)).toBe(true);
  });
});

describe("GitLabAgentsApi", () => {
  test("a third active token is refused with GitLab's limit explained", async () => {
    const agent = await api().registerAgent(PROJECT, "dude-agent");
    await api().createToken(PROJECT, agent.id, { name: "one" });
    await api().createToken(PROJECT, agent.id, { name: "two" });
    const err = await rejection(api().createToken(PROJECT, agent.id, { name: "three" }));
    expect((err as GitLabApiError).kind).toBe("token-limit");
    expect(err.message).toMatch(/already has two active tokens/);
  });

  test("revoking twice is fine (GitLab answers 204), and a revoked token leaves the list", async () => {
    const agent = await api().registerAgent(PROJECT, "dude-agent");
    const token = await api().createToken(PROJECT, agent.id, { name: "one" });
    expect(await api().revokeToken(PROJECT, agent.id, token.id)).toBe(true);
    expect(await api().revokeToken(PROJECT, agent.id, token.id)).toBe(true);
    expect(await api().listTokens(PROJECT, agent.id)).toEqual([]);
    expect(await api().revokeToken(PROJECT, agent.id, 999_999)).toBe(false);
  });

  test("a numeric project id works as well as the path", async () => {
    const agent = await api().registerAgent("42", "dude-agent");
    expect((await api().findAgent(PROJECT, "dude-agent"))?.id).toBe(agent.id);
  });
});

describe("validateRegistrationInputs", () => {
  const good = { gitlabUrl: "https://gitlab.example.com", project: "group/agent-config", agentName: "dude-agent", tokenName: "pulumi" };
  test.each([
    ["a valid set", {}, []],
    ["a numeric project id", { project: "42" }, []],
    ["a nested group path", { project: "a/b/c" }, []],
    ["unknown values in preview", { agentName: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" }, []],
    ["an ftp URL", { gitlabUrl: "ftp://gitlab" }, ["gitlabUrl"]],
    ["no URL at all", { gitlabUrl: "gitlab.example.com" }, ["gitlabUrl"]],
    ["a project without a group", { project: "agent-config" }, ["project"]],
    ["an upper-case agent name", { agentName: "Dude" }, ["agentName"]],
    ["a 64-character agent name", { agentName: "a".repeat(64) }, ["agentName"]],
    ["an agent name ending in '-'", { agentName: "dude-" }, ["agentName"]],
    ["an empty token name", { tokenName: "" }, ["tokenName"]],
  ])("%s", (_what, change, properties) => {
    expect(validateRegistrationInputs({ ...good, ...change }).map((p) => p.property)).toEqual(properties);
  });
});

describe("the provider as Pulumi ships it", () => {
  test("serializes without capturing credentials, and runs from the serialized text", async () => {
    const serialized = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
    expect(serialized.text).not.toContain(MAINTAINER);
    // What the dynamic provider host does (require-from-string), but inside jest's sandbox, whose process.env the test sets.
    const module = { exports: {} as Record<string, () => typeof provider> };
    new Function("exports", "require", "module", serialized.text)(module.exports, require, module);
    const shipped = module.exports[serialized.exportName]!();
    const { outs } = await shipped.create({ gitlabUrl: gitlab.url, project: PROJECT, agentName: "shipped-agent", tokenName: "pulumi" });
    expect(outs!.token).toMatch(/^glagent-/);
    await shipped.delete!("x", outs!);
    expect(gitlab.agents.size).toBe(0);
  });
});
