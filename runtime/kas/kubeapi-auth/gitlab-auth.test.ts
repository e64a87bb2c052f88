/**
 * GitLab mode's whole check through the real HTTP client against the
 * stand-in GitLab on loopback: CI job tokens (allowed_agents) and personal
 * access tokens (authorize_proxy_user with user_access), caching by token
 * hash with a shorter life for refusals, and what happens without GitLab.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startFakeGitLabInternalApi, type FakeGitLabInternalApi } from "../../../test/fakes";
import { parseAgentConfig } from "../agentcfg";
import { authorizeRequest, CredentialCache, GitLabCredentialsClient, type CiRequestAuthOptions, type TargetAgent } from "./index";

const JOB_TOKEN = `glcbt-64_${randomBytes(12).toString("base64url")}`;
const OTHER_JOB = `glcbt-64_${randomBytes(12).toString("base64url")}`;
const PAT = `glpat-${randomBytes(12).toString("base64url")}`;
const STRANGER = `glpat-${randomBytes(12).toString("base64url")}`;

function target(id: string, yaml: string): TargetAgent {
  const res = parseAgentConfig(yaml, { file: "config.yaml", configProjectId: "group/agent-config" });
  if (!res.ok) throw new Error(res.error);
  const t: TargetAgent = { agent: { id, name: `agent-${id}`, configProjectPath: "group/agent-config" }, ciAccess: res.access.ci_access };
  return res.access.user_access === undefined ? t : { ...t, userAccess: res.access.user_access };
}
const AGENTS: Record<string, TargetAgent> = {
  "7": target("7", "user_access:\n  access_as: {user: {}}\n  projects: [{id: group/app}]\n"),
  "8": target("8", "ci_access: {}\n"),
  "9": target("9", "user_access:\n  access_as: {agent: {}}\n  groups: [{id: group}]\n"),
};

let dir: string;
let gitlab: FakeGitLabInternalApi;
let clock = 1_800_000_000_000;
const TTL = 60_000;
const ERROR_TTL = 10_000;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "gitlab-auth-"));
  const secret = randomBytes(32);
  writeFileSync(join(dir, "secret"), secret.toString("base64"));
  gitlab = await startFakeGitLabInternalApi(secret, { "agent-token": { agentId: 7, agentName: "agent-7", projectId: 5, projectPath: "group/agent-config" }, "agent-9-token": { agentId: 9, agentName: "agent-9", projectId: 5, projectPath: "group/agent-config" } }, {
    jobs: {
      [JOB_TOKEN]: {
        jobId: 4711, pipelineId: 99, projectId: 42, groupIds: [6, 2], user: { id: 1, username: "dude" }, environment: { slug: "prod", tier: "production" },
        allowedAgents: [{ id: 7, configProjectId: 5, configProjectPath: "group/agent-config", configuration: { access_as: { ci_job: {} } } }],
      },
      [OTHER_JOB]: { jobId: 4712, pipelineId: 99, projectId: 43, groupIds: [6], user: { id: 1, username: "dude" }, allowedAgents: [{ id: 9, configProjectId: 5, configProjectPath: "group/agent-config" }] },
    },
    users: {
      [PAT]: { id: 3, username: "walter", access: { 7: { user: { projects: [{ id: 42, roles: ["guest", "reporter", "developer"] }], groups: [] } }, 9: { user: { projects: [], groups: [{ id: 6, roles: ["developer"] }] } } } },
      [STRANGER]: { id: 4, username: "donny", access: {} },
    },
  });
});
afterAll(async () => {
  await gitlab?.close();
  rmSync(dir, { recursive: true, force: true });
});

const options = (withGitLab = true): CiRequestAuthOptions => ({
  cache: new CredentialCache({ now: () => clock }),
  agent: (id) => AGENTS[id],
  now: () => clock,
  ...(withGitLab
    ? {
        gitlab: {
          api: new GitLabCredentialsClient({ url: gitlab.url, secretFile: join(dir, "secret") }),
          jobs: new CredentialCache({ ttlMs: TTL, now: () => clock }),
          users: new CredentialCache({ ttlMs: TTL, now: () => clock }),
          errorTtlMs: ERROR_TTL,
          now: () => clock,
        },
      }
    : {}),
});

test("a job token GitLab allows for the agent runs as its ci_job, with the project's ancestor groups and the environment", async () => {
  const d = await authorizeRequest(`Bearer ci:7:${JOB_TOKEN}`, options());
  expect(d).toMatchObject({ allowed: true, agentId: "7", by: "GitLab's allowed_agents for job 4711" });
  expect(d.allowed && d.accessAs).toEqual({
    kind: "impersonate",
    user: "gitlab:ci_job:4711",
    groups: ["gitlab:ci_job", "gitlab:group:6", "gitlab:group_env_tier:6:production", "gitlab:group:2", "gitlab:group_env_tier:2:production", "gitlab:project:42", "gitlab:project_env:42:prod", "gitlab:project_env_tier:42:production"],
    extra: expect.objectContaining({ "agent.gitlab.com/id": ["7"], "agent.gitlab.com/config_project_id": ["5"], "agent.gitlab.com/ci_pipeline_id": ["99"], "agent.gitlab.com/username": ["dude"] }),
  });
  expect(gitlab.lastJwtProblem).toBeUndefined();
});

test("a job token not allowed for this agent: 403 naming the job; GitLab's answer is shared by agents (one call)", async () => {
  const o = options();
  const before = gitlab.calls.allowedAgents;
  expect(await authorizeRequest(`Bearer ci:7:${OTHER_JOB}`, o)).toMatchObject({ allowed: false, status: 403, reason: expect.stringContaining("GitLab does not allow job 4712 of project 43 to use agent 7") });
  expect(await authorizeRequest(`Bearer ci:9:${OTHER_JOB}`, o)).toMatchObject({ allowed: true, accessAs: { kind: "agent" } });
  expect(gitlab.calls.allowedAgents - before).toBe(1);
});

test("a revoked job token keeps working from the cache for at most the TTL; a refusal is remembered for the error TTL only", async () => {
  const token = `glcbt-64_${randomBytes(12).toString("base64url")}`;
  gitlab.jobs.set(token, { jobId: 1, pipelineId: 1, projectId: 42, groupIds: [6], user: { id: 1, username: "dude" }, allowedAgents: [{ id: 7, configProjectId: 5, configProjectPath: "group/agent-config" }] });
  const o = options();
  expect((await authorizeRequest(`Bearer ci:7:${token}`, o)).allowed).toBe(true);
  gitlab.revoke(token);
  clock += TTL - 1;
  expect((await authorizeRequest(`Bearer ci:7:${token}`, o)).allowed).toBe(true);
  clock += 1;
  const calls = gitlab.calls.allowedAgents;
  expect(await authorizeRequest(`Bearer ci:7:${token}`, o)).toMatchObject({ allowed: false, status: 401, reason: expect.stringContaining("GitLab does not accept this CI job token") });
  await authorizeRequest(`Bearer ci:7:${token}`, o);
  expect(gitlab.calls.allowedAgents - calls).toBe(1);
  clock += ERROR_TTL;
  await authorizeRequest(`Bearer ci:7:${token}`, o);
  expect(gitlab.calls.allowedAgents - calls).toBe(2);
});

test("a personal access token with user_access access_as user runs as gitlab:user:<name> with its roles", async () => {
  const d = await authorizeRequest(`Bearer pat:7:${PAT}`, options());
  expect(d).toMatchObject({ allowed: true, by: "user_access of agent group/agent-config:agent-7 for GitLab user walter" });
  expect(d.allowed && d.accessAs).toEqual({
    kind: "impersonate",
    user: "gitlab:user:walter",
    groups: ["gitlab:user", "gitlab:project_role:42:guest", "gitlab:project_role:42:reporter", "gitlab:project_role:42:developer"],
    extra: { "agent.gitlab.com/id": ["7"], "agent.gitlab.com/username": ["walter"], "agent.gitlab.com/access_type": ["personal_access_token"], "agent.gitlab.com/config_project_id": ["5"] },
  });
});

test("personal access tokens refused: a user without access (403), no user_access (403, GitLab not asked), config and GitLab disagree (403), revoked (401)", async () => {
  const o = options();
  expect(await authorizeRequest(`Bearer pat:7:${STRANGER}`, o)).toMatchObject({ allowed: false, status: 403, reason: expect.stringContaining("may not use agent 7") });
  const calls = gitlab.calls.authorizeProxyUser;
  expect(await authorizeRequest(`Bearer pat:8:${PAT}`, o)).toMatchObject({ allowed: false, status: 403, reason: "agent group/agent-config:agent-8 has no user_access in its configuration: no personal access token may use it" });
  expect(gitlab.calls.authorizeProxyUser).toBe(calls);
  expect(await authorizeRequest(`Bearer pat:9:${PAT}`, o)).toMatchObject({ allowed: false, status: 403, reason: expect.stringContaining("its user_access says access_as agent, GitLab's authorize_proxy_user says user") });
  const revoked = `glpat-${randomBytes(12).toString("base64url")}`;
  gitlab.users.set(revoked, { id: 5, username: "maude", revoked: true, access: { 7: { agent: {} } } });
  expect(await authorizeRequest(`Bearer pat:7:${revoked}`, o)).toMatchObject({ allowed: false, status: 401, reason: expect.stringContaining("GitLab does not accept this personal access token") });
});

test("without GitLab mode: pat: and job tokens are refused with 401 saying why; without oidc, ID tokens too; a failing GitLab is 503 and not remembered", async () => {
  expect(await authorizeRequest(`Bearer pat:7:${PAT}`, options(false))).toMatchObject({ allowed: false, status: 401, reason: expect.stringContaining("pat: tokens (personal access tokens for user_access) need kas in GitLab mode") });
  expect(await authorizeRequest(`Bearer ci:7:${JOB_TOKEN}`, options(false))).toMatchObject({ allowed: false, status: 401, reason: expect.stringContaining("CI job tokens need kas in GitLab mode") });
  const jws = `${Buffer.from('{"alg":"ES256","kid":"k1"}').toString("base64url")}.${Buffer.from("{}").toString("base64url")}.c2ln`;
  expect(await authorizeRequest(`Bearer ci:7:${jws}`, options())).toMatchObject({ allowed: false, status: 401, reason: "an OIDC ID token, but kas has no kubernetes_api.oidc to verify it with" });
  const o = options();
  gitlab.failWith = 502;
  try {
    expect(await authorizeRequest(`Bearer ci:7:${JOB_TOKEN}`, o)).toMatchObject({ allowed: false, status: 503, reason: "GitLab api/v4/job/allowed_agents answered HTTP 502" });
  } finally {
    gitlab.failWith = undefined;
  }
  expect((await authorizeRequest(`Bearer ci:7:${JOB_TOKEN}`, o)).allowed).toBe(true);
});
