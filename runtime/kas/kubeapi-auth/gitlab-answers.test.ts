/** GitLab's allowed_agents and authorize_proxy_user answers read strictly; which credential a ci: token is. */
import { ciTokenKind, parseAllowedAgents, parseProxyUser, readAllowedAgentsAnswer, readProxyUserAnswer } from "./index";

const JOB = {
  allowed_agents: [{ id: 7, config_project: { id: 5, path_with_namespace: "group/agent-config" }, configuration: { access_as: { ci_job: {} }, default_namespace: "dude" } }],
  job: { id: 4711 },
  pipeline: { id: 99 },
  project: { id: 42, groups: [{ id: 6 }, { id: 2 }] },
  user: { id: 1, username: "dude", roles_in_project: ["guest"] },
  environment: { tier: "production", slug: "prod" },
  unknown_field: "GitLab adds fields; kas ignores them",
};
const USER = { agent: { id: 7, config_project: { id: 5 } }, user: { id: 1, username: "walter" }, access_as: { user: { projects: [{ id: 42, roles: ["guest", "reporter"] }], groups: [] } } };
const text = (v: unknown): string => JSON.stringify(v);
const without = (o: Record<string, unknown>, key: string): Record<string, unknown> => Object.fromEntries(Object.entries(o).filter(([k]) => k !== key));

test("allowed_agents: the job, its project's ancestor groups, its environment, and each agent's access_as", () => {
  expect(parseAllowedAgents(text(JOB))).toEqual({
    ok: true,
    value: {
      job: { jobId: "4711", pipelineId: "99", projectId: "42", groupIds: ["6", "2"], username: "dude", environment: { slug: "prod", tier: "production" } },
      userId: "1",
      allowedAgents: [{ id: "7", configProjectId: "5", configProjectPath: "group/agent-config", accessAs: { kind: "ci_job" } }],
    },
  });
  const noEnv = parseAllowedAgents(text({ ...without(JOB, "environment"), allowed_agents: [{ id: 8, config_project: { id: 5 }, configuration: {} }] }));
  expect(noEnv).toMatchObject({ ok: true, value: { job: { jobId: "4711" }, allowedAgents: [{ id: "8", accessAs: { kind: "agent" } }] } });
  expect(noEnv.ok && "environment" in noEnv.value.job).toBe(false);
});

test.each([
  ["not JSON", "<html>", "GitLab api/v4/job/allowed_agents answered with a body that is not JSON"],
  ["no job", text(without(JOB, "job")), "job: found nothing; expected a mapping with the job's id"],
  ["a job id that is no id", text({ ...JOB, job: { id: "forty-two" } }), "job.id: found a string of 9 characters; expected a GitLab id (a whole number)"],
  ["groups not a list", text({ ...JOB, project: { id: 42, groups: { id: 6 } } }), "project.groups: found a mapping; expected a list of {id} mappings"],
  ["no allowed_agents", text(without(JOB, "allowed_agents")), "allowed_agents: found nothing; expected a list of agents"],
  ["an agent without config_project", text({ ...JOB, allowed_agents: [{ id: 7 }] }), "allowed_agents[0].config_project: found nothing"],
  ["two access_as kinds", text({ ...JOB, allowed_agents: [{ id: 7, config_project: { id: 5 }, configuration: { access_as: { agent: {}, ci_job: {} } } }] }), "allowed_agents[0].configuration.access_as: found agent and ci_job; expected exactly one of"],
  ["an environment without tier", text({ ...JOB, environment: { slug: "prod" } }), "environment.tier: found nothing"],
  ["a username that cannot be a Kubernetes name part", text({ ...JOB, user: { id: 1, username: "a b" } }), "user.username: found"],
])("allowed_agents refused with a clear error: %s", (_name, body, message) => {
  const r = parseAllowedAgents(body);
  expect(r.ok).toBe(false);
  expect(!r.ok && r.reason).toContain(message);
});

test("authorize_proxy_user: the user, the agent's configuration project, and roles", () => {
  expect(parseProxyUser(text(USER))).toEqual({
    ok: true,
    value: { agentId: "7", configProjectId: "5", userId: "1", username: "walter", accessAs: { kind: "user", projects: [{ id: "42", roles: ["guest", "reporter"] }], groups: [] } },
  });
  expect(parseProxyUser(text({ ...USER, access_as: { agent: {} } }))).toMatchObject({ ok: true, value: { accessAs: { kind: "agent" } } });
});

test.each([
  ["no access_as", text(without(USER, "access_as")), "access_as: found nothing"],
  ["an unknown access_as", text({ ...USER, access_as: { ci_job: {} } }), "access_as: found keys ci_job; expected exactly one of agent, user"],
  ["a role that cannot be a group name part", text({ ...USER, access_as: { user: { projects: [{ id: 42, roles: ["Dev Ops"] }] } } }), "access_as.user.projects[0].roles[0]"],
  ["no user", text(without(USER, "user")), "user: found nothing"],
])("authorize_proxy_user refused with a clear error: %s", (_name, body, message) => {
  const r = parseProxyUser(body);
  expect(r.ok).toBe(false);
  expect(!r.ok && r.reason).toContain(`GitLab api/v4/internal/kubernetes/authorize_proxy_user answer: ${message}`);
});

test("GitLab's statuses: what is refused how, and what is remembered", () => {
  expect(readAllowedAgentsAnswer({ status: 401, body: "" })).toMatchObject({ ok: false, status: 401, cacheable: true });
  expect(readAllowedAgentsAnswer({ status: 404, body: "" })).toMatchObject({ ok: false, status: 401, reason: expect.stringContaining("expected a CI job token") });
  expect(readAllowedAgentsAnswer({ status: 500, body: "" })).toMatchObject({ ok: false, status: 503, cacheable: false });
  expect(readAllowedAgentsAnswer({ status: 200, body: "{}" })).toMatchObject({ ok: false, status: 502, cacheable: false });
  expect(readProxyUserAnswer({ status: 400, body: "" }, "7")).toMatchObject({ ok: false, status: 401 });
  expect(readProxyUserAnswer({ status: 403, body: "" }, "7")).toMatchObject({ ok: false, status: 403, reason: expect.stringContaining("may not use agent 7") });
  expect(readProxyUserAnswer({ status: 200, body: text(USER) }, "8")).toMatchObject({ ok: false, status: 502, reason: expect.stringContaining("answered for agent 7; kas asked about agent 8") });
});

test("a ci: token is an ID token only when it is a compact JWS; job tokens, JWT ones included, are not", () => {
  const jws = `${Buffer.from('{"alg":"RS256","kid":"k"}').toString("base64url")}.${Buffer.from("{}").toString("base64url")}.c2ln`;
  expect(ciTokenKind(jws)).toBe("id_token");
  expect(ciTokenKind(`glcbt-${jws}`)).toBe("job_token");
  expect(ciTokenKind(`acme-glcbt-${jws}`)).toBe("job_token");
  expect(ciTokenKind("glcbt-64_xyzXYZ0123456789abcd")).toBe("job_token");
  expect(ciTokenKind("64_xyzXYZ0123456789abcd")).toBe("job_token");
  expect(ciTokenKind("a.b.c")).toBe("job_token");
});
