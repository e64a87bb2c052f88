/** CI claims -> job -> ci_access decision and identity, as GitLab defines them. Config parsed by the real parser. */
import { parseAgentConfig, type CiAccessConfig } from "../agentcfg";
import { authorizeCiJob, ciJobFromClaims, environmentMatches, type AgentRef, type CiJob, type Decision } from "./index";

const AGENT: AgentRef = { id: "123", name: "dude", configProjectPath: "dude/agent-config", configProjectId: "5" };

function ciAccess(yaml: string): CiAccessConfig {
  const res = parseAgentConfig(`ci_access:\n${yaml}`, { file: "config.yaml", configProjectId: AGENT.configProjectPath });
  if (!res.ok) throw new Error(res.error);
  return res.access.ci_access;
}

/** GitLab ID token claims for a job in dude/apps/web (ids are strings there). */
const CLAIMS = {
  project_id: "3", project_path: "dude/apps/web", namespace_id: "6", namespace_path: "dude/apps",
  job_id: "1", pipeline_id: "2", user_login: "testuser", ref: "main", ref_type: "branch", ref_protected: "true", pipeline_source: "push",
};
function job(over: Record<string, unknown> = {}): CiJob {
  const r = ciJobFromClaims({ ...CLAIMS, ...over });
  if (!r.ok) throw new Error(r.reason);
  return r.job;
}
const PROD = { environment: "prod", deployment_tier: "production" };

const CONFIG = `
  projects:
  - id: dude/apps/web
    access_as: {agent: {}}
  - id: dude/apps/deployer
    default_namespace: dude
    access_as:
      impersonate: {username: deployer, groups: [deployers], uid: "42", extra: [{key: team, val: [dude]}, {key: team, val: [ops]}]}
  - id: dude/apps/ci
    access_as: {ci_job: {}}
  - id: dude/apps/review
    environments: [production, "review/*"]
  - id: dude/apps/locked
    protected_branches_only: true
  - id: naww/app
  groups:
  - id: dude
    access_as: {impersonate: {username: group-wide}}
  - id: dude/apps/team
    access_as: {ci_job: {}}
    environments: ["review/*"]
`;
const ci = ciAccess(CONFIG);
const decide = (over: Record<string, unknown>, config = ci): Decision => authorizeCiJob(job(over), AGENT, config);

describe("authorizeCiJob", () => {
  test.each<[string, Record<string, unknown>, Partial<Decision>]>([
    ["a listed project, access_as agent", {}, { allowed: true, accessAs: { kind: "agent" }, by: "ci_access.projects[0]" }],
    ["project paths compare case-insensitively", { project_path: "Dude/Apps/Web", namespace_path: "Dude/Apps" }, { allowed: true, by: "ci_access.projects[0]" }],
    ["impersonate passes the configured identity through", { project_path: "dude/apps/deployer" }, {
      allowed: true, by: "ci_access.projects[1]", defaultNamespace: "dude",
      accessAs: { kind: "impersonate", user: "deployer", groups: ["deployers"], uid: "42", extra: { team: ["dude", "ops"] } },
    }],
    ["a project not listed falls to the nearest group (ancestor of its namespace)", { project_path: "dude/apps/other" }, {
      allowed: true, by: "ci_access.groups[0]", accessAs: { kind: "impersonate", user: "group-wide", groups: [], extra: {} },
    }],
    ["the nearer group wins over its ancestor", { project_path: "dude/apps/team/svc", namespace_path: "dude/apps/team", environment: "review/x" }, { allowed: true, by: "ci_access.groups[1]" }],
    ["the config project is authorised implicitly, as the agent", { project_path: "dude/agent-config", namespace_path: "dude" }, { allowed: true, accessAs: { kind: "agent" }, by: "the agent's configuration project" }],
    ["environment matched exactly", { project_path: "dude/apps/review", environment: "production" }, { allowed: true, by: "ci_access.projects[3]" }],
    ["environment matched by a wildcard, slashes included", { project_path: "dude/apps/review", environment: "review/feat/x" }, { allowed: true }],
    ["protected ref on a protected-only entry", { project_path: "dude/apps/locked" }, { allowed: true, by: "ci_access.projects[4]" }],
  ])("%s", (_name, over, expected) => {
    expect(decide(over)).toMatchObject(expected);
  });

  test.each<[string, Record<string, unknown>, string]>([
    ["a project outside the agent's top-level group, even if listed", { project_path: "naww/app", namespace_path: "naww" },
      "project naww/app is not authorised by the ci_access of agent dude/agent-config:dude, and it is outside the top-level group dude"],
    ["a project not listed under no listed group", { project_path: "dudette/app", namespace_path: "dudette" }, "project dudette/app is not authorised"],
    ["environment mismatch", { project_path: "dude/apps/review", environment: "staging" },
      `ci_access.projects[3] of agent dude/agent-config:dude admits only environments "production", "review/*"; the job's environment is "staging"`],
    ["a wildcard does not match a prefix GitLab's unanchored regexp would", { project_path: "dude/apps/review", environment: "old-review/x" }, `the job's environment is "old-review/x"`],
    ["no environment where environments are required", { project_path: "dude/apps/review" }, "the job has no environment"],
    ["an unprotected ref on a protected-only entry", { project_path: "dude/apps/locked", ref: "feature", ref_protected: "false" },
      `ci_access.projects[4] of agent dude/agent-config:dude admits only protected refs; branch "feature" is not protected`],
    ["the closest authorisation is not a fallback: the nearer group's environments deny", { project_path: "dude/apps/team/svc", namespace_path: "dude/apps/team", environment: "production" },
      `ci_access.groups[1] of agent dude/agent-config:dude admits only environments "review/*"`],
  ])("denied: %s", (_name, over, reason) => {
    const d = decide(over);
    expect(d.allowed).toBe(false);
    expect(!d.allowed && d.reason).toContain(reason);
  });

  test("an empty ci_access admits only the config project", () => {
    expect(decide({}, ciAccess("  projects: []\n")).allowed).toBe(false);
    expect(decide({ project_path: "dude/agent-config", namespace_path: "dude" }, ciAccess("  projects: []\n")).allowed).toBe(true);
  });

  test("instance admits any project, after everything nearer", () => {
    const config = ciAccess("  instance: {access_as: {ci_job: {}}}\n");
    expect(decide({ project_path: "other/app", namespace_path: "other" }, config)).toMatchObject({ allowed: true, by: "ci_access.instance" });
  });
});

describe("ci_job identity, GitLab's names", () => {
  test("without an environment", () => {
    expect(decide({ project_path: "dude/apps/ci" })).toEqual({
      allowed: true,
      by: "ci_access.projects[2]",
      accessAsKind: "ci_job",
      accessAs: {
        kind: "impersonate",
        user: "gitlab:ci_job:1",
        groups: ["gitlab:ci_job", "gitlab:group:6", "gitlab:project:3"],
        extra: {
          "agent.gitlab.com/id": ["123"], "agent.gitlab.com/config_project_id": ["5"], "agent.gitlab.com/project_id": ["3"],
          "agent.gitlab.com/ci_pipeline_id": ["2"], "agent.gitlab.com/ci_job_id": ["1"], "agent.gitlab.com/username": ["testuser"],
        },
      },
    });
  });

  test("with an environment and its tier", () => {
    const d = decide({ project_path: "dude/apps/ci", ...PROD });
    expect(d.allowed && d.accessAs).toMatchObject({
      user: "gitlab:ci_job:1",
      groups: ["gitlab:ci_job", "gitlab:group:6", "gitlab:group_env_tier:6:production", "gitlab:project:3", "gitlab:project_env:3:prod", "gitlab:project_env_tier:3:production"],
      extra: { "agent.gitlab.com/environment_slug": ["prod"], "agent.gitlab.com/environment_tier": ["production"] },
    });
  });

  test("the environment's slug, not its name, names the group", () => {
    const d = decide({ project_path: "dude/apps/ci", environment: "Review/Feature 1" });
    expect(d.allowed && d.accessAs.kind === "impersonate" && d.accessAs.groups).toContainEqual(expect.stringMatching(/^gitlab:project_env:3:review-feature-1-[a-z0-9]{6}$/));
  });
});

describe("ciJobFromClaims", () => {
  test("missing claims are named", () => {
    expect(ciJobFromClaims({ project_path: "a/b" })).toEqual({ ok: false, reason: "the token lacks CI claims: project_id, namespace_id, namespace_path, job_id, ref" });
  });
  test("a project outside its claimed namespace is refused", () => {
    expect(ciJobFromClaims({ ...CLAIMS, namespace_path: "dude/other" })).toMatchObject({ ok: false, reason: expect.stringContaining("is not inside namespace_path") as unknown });
  });
  test("numbers for ids and a boolean ref_protected (non-GitLab issuers)", () => {
    expect(job({ project_id: 3, job_id: 1, namespace_id: 6, ref_protected: false })).toMatchObject({ projectId: "3", jobId: "1", groupIds: ["6"], refProtected: false });
  });
  test("environment_tier is read too", () => {
    expect(job({ environment: "prod", environment_tier: "staging" }).environment).toEqual({ name: "prod", slug: "prod", tier: "staging" });
  });
});

test.each<[string, string, boolean]>([
  ["*", "anything/at/all", true],
  ["review/*", "review/a", true],
  ["review/*", "review", false],
  ["review.*", "reviewX", false],
  ["prod", "production", false],
  ["", "", false],
])("environmentMatches(%j, %j) is %s", (pattern, env, expected) => {
  expect(environmentMatches(pattern, env)).toBe(expected);
});
