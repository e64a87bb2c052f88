/** ci_access and user_access: GitLab's schema, typed; errors name file, line, key path, found and expected. */
import { parseAgentConfig, type AccessConfig } from "./index";

const FILE = ".gitlab/agents/dude-agent/config.yaml";
const ctx = { file: FILE, configProjectId: "dude/agent-config" };

function accessOf(yaml: string): { access: AccessConfig; warnings: string[] } {
  const res = parseAgentConfig(yaml, ctx);
  if (!res.ok) throw new Error(res.error);
  return { access: res.access, warnings: res.warnings };
}
function errorsOf(yaml: string): readonly string[] {
  const res = parseAgentConfig(yaml, ctx);
  if (res.ok) throw new Error(`expected errors, got ${JSON.stringify(res.access)}`);
  return res.errors;
}

/** GitLab's documented examples, combined. */
const GITLAB_FIXTURE = `
ci_access:
  projects:
  - id: dude/app
  - id: /dude/deployer/
    default_namespace: dude
    access_as:
      impersonate:
        username: deployer
        groups: [deployers, "system:authenticated"]
        uid: "42"
        extra:
        - key: team
          val: [dude, ops]
  groups:
  - id: dude/platform
    access_as:
      ci_job: {}
    environments: [production, "review/*"]
    protected_branches_only: true
  instance:
    access_as:
      agent: {}
user_access:
  access_as:
    user: {}
  projects:
  - id: dude/app
  groups:
  - id: dude
`;

describe("parseAgentConfig: ci_access and user_access", () => {
  test("a config without them: nobody is authorised", () => {
    expect(accessOf("gitops: {}\n")).toEqual({ access: { ci_access: { projects: [], groups: [] } }, warnings: [] });
  });

  test("GitLab's examples parse into typed values, with no warning", () => {
    const { access, warnings } = accessOf(GITLAB_FIXTURE);
    expect(warnings).toEqual([]);
    expect(access).toEqual({
      ci_access: {
        projects: [
          { id: "dude/app", access_as: { kind: "agent" }, environments: [], protected_branches_only: false },
          {
            id: "dude/deployer",
            default_namespace: "dude",
            access_as: {
              kind: "impersonate",
              username: "deployer",
              groups: ["deployers", "system:authenticated"],
              uid: "42",
              extra: [{ key: "team", val: ["dude", "ops"] }],
            },
            environments: [],
            protected_branches_only: false,
          },
        ],
        groups: [
          { id: "dude/platform", access_as: { kind: "ci_job" }, environments: ["production", "review/*"], protected_branches_only: true },
        ],
        instance: { access_as: { kind: "agent" }, environments: [], protected_branches_only: false },
      },
      user_access: { access_as: { kind: "user" }, projects: ["dude/app"], groups: ["dude"] },
    });
  });

  test("the other GitLab sections still warn", () => {
    expect(accessOf("ci_access: {}\nflux: {}\n").warnings).toEqual(["flux is not implemented by this agent and is ignored"]);
  });

  const ci = (body: string): string => `gitops: {}\nci_access:\n${body}`;
  test.each<[string, string, string]>([
    ["projects not a list", ci("  projects: {id: a/b}\n"), `${FILE}:3: ci_access.projects: found a mapping; expected a list of {id: <path>, access_as: ...} entries`],
    ["project without id", ci("  projects:\n  - access_as: {agent: {}}\n"), `${FILE}:4: ci_access.projects[0].id: found nothing; expected a project path such as group/project`],
    ["group id a number", ci("  groups:\n  - id: 6\n"), `${FILE}:4: ci_access.groups[0].id: found the number 6; expected a group path such as group/subgroup`],
    ["unknown key with suggestion", ci("  projects:\n  - id: a/b\n    enviroments: [x]\n"), `${FILE}:5: ci_access.projects[0].enviroments: found unknown key "enviroments" (did you mean "environments"?)`],
    ["two access_as kinds", ci("  projects:\n  - id: a/b\n    access_as: {agent: {}, ci_job: {}}\n"), `${FILE}:5: ci_access.projects[0].access_as: found agent and ci_job; expected exactly one of agent, impersonate, ci_job`],
    ["no access_as kind", ci("  projects:\n  - id: a/b\n    access_as: {}\n"), `${FILE}:5: ci_access.projects[0].access_as: found an empty mapping; expected exactly one of agent, impersonate, ci_job`],
    ["unknown access_as kind", ci("  projects:\n  - id: a/b\n    access_as: {user: {}}\n"), `ci_access.projects[0].access_as.user: found unknown key "user"`],
    ["impersonate without username", ci("  projects:\n  - id: a/b\n    access_as:\n      impersonate: {groups: [g]}\n"), `${FILE}:6: ci_access.projects[0].access_as.impersonate.username: found nothing; expected a Kubernetes user name`],
    ["impersonate not a mapping", ci("  projects:\n  - id: a/b\n    access_as:\n      impersonate:\n"), `ci_access.projects[0].access_as.impersonate: found nothing (null); expected a mapping with keys username, groups, uid, extra`],
    ["extra without val", ci("  projects:\n  - id: a/b\n    access_as:\n      impersonate: {username: u, extra: [{key: k}]}\n"), `ci_access.projects[0].access_as.impersonate.extra[0].val: found nothing; expected a list of values`],
    ["empty environment", ci("  groups:\n  - id: a\n    environments: ['']\n"), `${FILE}:5: ci_access.groups[0].environments[0]: found ""; expected an environment name or pattern`],
    ["protected_branches_only a string", ci("  groups:\n  - id: a\n    protected_branches_only: 'yes'\n"), `ci_access.groups[0].protected_branches_only: found "yes"; expected true or false`],
    ["bad default_namespace", ci("  projects:\n  - id: a/b\n    default_namespace: Dude_NS\n"), `ci_access.projects[0].default_namespace: found "Dude_NS"; expected a namespace name`],
    ["instance with an id", ci("  instance: {id: x}\n"), `ci_access.instance.id: found unknown key "id"`],
    ["user_access without access_as", "user_access:\n  projects: [{id: a/b}]\n", `user_access.access_as: found nothing; expected a mapping with agent: {} or user: {}`],
    ["user_access as ci_job", "user_access:\n  access_as: {ci_job: {}}\n", `user_access.access_as.ci_job: found unknown key "ci_job"`],
    ["user_access project without id", "user_access:\n  access_as: {agent: {}}\n  projects: [{}]\n", `${FILE}:3: user_access.projects[0].id: found nothing; expected a project path`],
  ])("%s", (_name, yaml, expected) => {
    expect(errorsOf(yaml).join("\n")).toContain(expected);
  });
});
