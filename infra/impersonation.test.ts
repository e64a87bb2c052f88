/** `gitops-agent:agent.impersonation`: what each form means, and every refusal naming its key. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { problemsOf } from "../test/config-problems";
import { CI_JOB_EXTRA_KEYS, parseStackConfig, readStackSource, type ImpersonationConfig } from "./config";

const withImpersonation = (impersonation: unknown): Record<string, unknown> => ({
  cluster: { provider: "existing", kubeconfig: "k" },
  agent: { name: "dude-agent", impersonation },
});
const parsed = (impersonation: unknown): ImpersonationConfig | undefined => parseStackConfig(withImpersonation(impersonation)).agent.impersonation;

const ANY_CI_JOB_EXTRA = Object.fromEntries(CI_JOB_EXTRA_KEYS.map((k) => [k, "*"]));

describe("agent.impersonation: valid forms", () => {
  test("absent: no impersonation key in the agent config at all", () => {
    expect(parseStackConfig(withImpersonation(undefined)).agent).toEqual({ name: "dude-agent", namespace: "gitlab-k8s-agent", image: "gitops-agent:0.1.0", replicas: 1 });
  });

  test("ciJob with one project: any user, gitlab:ci_job added to the groups, every agent.gitlab.com extra key with any value, no uid", () => {
    expect(parsed({ ciJob: true, groups: ["gitlab:project:42"] })).toEqual({
      users: "*",
      groups: ["gitlab:ci_job", "gitlab:project:42"],
      uids: [],
      extras: ANY_CI_JOB_EXTRA,
      ciJob: true,
    });
    expect(CI_JOB_EXTRA_KEYS).toHaveLength(8);
  });

  test("ciJob: gitlab:ci_job listed too is not repeated; users \"*\" may be said; a listed extra key narrows the ci_job default", () => {
    expect(parsed({ ciJob: true, users: "*", groups: ["gitlab:ci_job", "gitlab:project:42", "gitlab:group:7"], extras: { "agent.gitlab.com/project_id": ["42"], "example.com/team": "*" } })).toEqual({
      users: "*",
      groups: ["gitlab:ci_job", "gitlab:project:42", "gitlab:group:7"],
      uids: [],
      extras: { ...ANY_CI_JOB_EXTRA, "agent.gitlab.com/project_id": ["42"], "example.com/team": "*" },
      ciJob: true,
    });
  });

  test("access_as impersonate: the listed user, groups, uid and extra values; duplicates dropped", () => {
    expect(parsed({ users: ["deployer", "deployer"], groups: ["team:web"], uids: ["u-1"], extras: { "example.com/reason": ["ci"] } })).toEqual({
      users: ["deployer"],
      groups: ["team:web"],
      uids: ["u-1"],
      extras: { "example.com/reason": ["ci"] },
      ciJob: false,
    });
  });

  test("any user on its own: no groups, no extras", () => {
    expect(parsed({ users: "*" })).toEqual({ users: "*", groups: [], uids: [], extras: {}, ciJob: false });
  });

  test("any group takes groups: \"*\" and acceptClusterAdmin: true together", () => {
    expect(parsed({ ciJob: true, groups: "*", acceptClusterAdmin: true })?.groups).toBe("*");
  });
});

describe("agent.impersonation: every refusal names its key, what was found and what is expected", () => {
  const at = "gitops-agent:agent.impersonation";
  test.each<[string, unknown, string, string, string]>([
    ["not a map", true, at, "the boolean true", "a map { users, groups, uids, extras, ciJob }"],
    ["an empty map (no user)", {}, `${at}.users`, "nothing", 'the user names the agent may impersonate (ci_access access_as: impersonate: username), or "*", or ciJob: true'],
    ["an unknown key", { users: ["a"], group: ["b"] }, `${at}.group`, "an unknown key", "one of users, groups, uids, extras, ciJob, acceptClusterAdmin"],
    ["users a string", { users: "deployer" }, `${at}.users`, '"deployer"', 'a non-empty list of user names such as [deployer], or "*" (any)'],
    ["users empty", { users: [] }, `${at}.users`, "a list", "leave the key out for none"],
    ["a user with a wildcard inside", { users: ["gitlab:ci_job:*"] }, `${at}.users[0]`, '"gitlab:ci_job:*"', 'no "*" inside a name (RBAC compares names exactly)'],
    ["a system: user", { users: ["system:admin"] }, `${at}.users[0]`, '"system:admin"', "a user that is not system:*"],
    ["a ServiceAccount user", { users: ["system:serviceaccount:kube-system:default"] }, `${at}.users[0]`, '"system:serviceaccount:kube-system:default"', "system:serviceaccount:<namespace>:<name>"],
    ["a user with a trailing blank", { users: ["deployer "] }, `${at}.users[0]`, '"deployer "', "without control characters or leading/trailing blanks"],
    ["a user that is a number", { users: [42] }, `${at}.users[0]`, "the number 42", "a name"],
    ["group system:masters", { users: ["a"], groups: ["system:masters"] }, `${at}.groups[0]`, '"system:masters"', "system:masters is cluster-admin"],
    ["group system:authenticated", { users: ["a"], groups: ["system:authenticated"] }, `${at}.groups[0]`, '"system:authenticated"', "a group that is not system:*"],
    ["groups \"*\" without acceptClusterAdmin", { users: ["a"], groups: "*" }, `${at}.groups`, '"*"', '"*" lets the agent impersonate system:masters, i.e. act as cluster-admin; if that is what you mean, also set acceptClusterAdmin: true'],
    ["acceptClusterAdmin with listed groups", { users: ["a"], groups: ["g"], acceptClusterAdmin: true }, `${at}.acceptClusterAdmin`, "the boolean true", 'acceptClusterAdmin only with groups: "*"'],
    ["acceptClusterAdmin not a boolean", { users: ["a"], groups: "*", acceptClusterAdmin: "yes" }, `${at}.acceptClusterAdmin`, '"yes"', "true or false"],
    ["ciJob not a boolean", { ciJob: "true", groups: ["gitlab:project:1"] }, `${at}.ciJob`, '"true"', "true or false"],
    ["ciJob with listed users", { ciJob: true, users: ["deployer"], groups: ["gitlab:project:1"] }, `${at}.users`, "a list", "a ci_job identity is the user gitlab:ci_job:<job id>, a new name for every job"],
    ["ciJob without groups", { ciJob: true }, `${at}.groups`, "nothing", "gitlab:project:<id> for each project whose jobs use the agent"],
    ["ciJob with groups naming no project", { ciJob: true, groups: ["gitlab:ci_job", "gitlab:group:7"] }, `${at}.groups`, "a list", "gitlab:ci_job is added"],
    ["uids with a wildcard inside", { users: ["a"], uids: ["u-*"] }, `${at}.uids[0]`, '"u-*"', 'no "*" inside a name'],
    ["extras a list", { users: ["a"], extras: ["scopes"] }, `${at}.extras`, "a list", 'a map of extra key to a list of values or "*"'],
    ["an uppercase extra key", { users: ["a"], extras: { "Example.com/Team": ["web"] } }, `${at}.extras["Example.com/Team"]`, 'the key "Example.com/Team"', "the apiserver lowercases Impersonate-Extra-* headers"],
    ["every extra key", { users: ["a"], extras: { "*": "*" } }, `${at}.extras["*"]`, 'the key "*"', "an extra key in lowercase letters"],
    ["an extra value list empty", { users: ["a"], extras: { scopes: [] } }, `${at}.extras.scopes`, "a list", "a non-empty list of values"],
    ["an extra value with a wildcard inside", { users: ["a"], extras: { scopes: ["read:*"] } }, `${at}.extras.scopes[0]`, '"read:*"', 'no "*" inside a name'],
  ])("%s", (_case, impersonation, key, found, expected) => {
    const problems = problemsOf(withImpersonation(impersonation));
    const problem = problems.find((p) => p.key === key);
    expect([problem?.key, problem?.found]).toEqual([key, found]);
    expect(problem?.expected).toContain(expected);
  });

  test("one problem per mistake: a wrong users list is not also reported as missing", () => {
    expect(problemsOf(withImpersonation({ users: "deployer" })).map((p) => [p.key, p.found])).toEqual([["gitops-agent:agent.impersonation.users", '"deployer"']]);
  });

  test("in a stack file, the problem names its file:line:col", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "impersonation-"));
    try {
      const p = path.join(dir, "Pulumi.x.yaml");
      writeFileSync(p, "config:\n  gitops-agent:cluster: { provider: existing, kubeconfig: k }\n  gitops-agent:agent:\n    name: a\n    impersonation:\n      ciJob: true\n      groups: [gitlab:project:42, system:masters]\n");
      const { raw, source } = readStackSource(p);
      expect(() => parseStackConfig(raw, source)).toThrow(`  - ${p}:7:35: gitops-agent:agent.impersonation.groups[1]: found "system:masters"; expected a group that is not system:*`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
