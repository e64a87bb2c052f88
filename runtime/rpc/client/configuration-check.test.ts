import { MANIFEST_PROJECT_DEFAULTS, type AgentConfiguration } from "../agent-config";
import { configurationProblems } from "./configuration-check";

const project = { ...MANIFEST_PROJECT_DEFAULTS, id: "group/m", ref: { branch: "main" } };
const good: AgentConfiguration = {
  gitops: { manifest_projects: [project], scope: { mode: "cluster", namespaces: [] }, reapply_interval_seconds: 300 },
  observability: { logging: { level: "info" } },
};
/** `good` with `patch` merged in, typed loosely: these are what a broken kas can put on the wire. */
const withGitops = (patch: Record<string, unknown>): AgentConfiguration => ({ ...good, gitops: { ...good.gitops, ...patch } }) as unknown as AgentConfiguration;
const withProject = (patch: Record<string, unknown>): AgentConfiguration => withGitops({ manifest_projects: [{ ...project, ...patch }] });

describe("configurationProblems: what agentk refuses from kas", () => {
  test("a configuration as kas sends it has none", () => {
    expect(configurationProblems(good)).toEqual([]);
    expect(configurationProblems(withProject({ ref: { branch: "", tag: "", commit: "" } }))).toEqual([]);
  });

  test.each<[string, AgentConfiguration, string]>([
    ["no gitops", { ...good, gitops: null } as unknown as AgentConfiguration, "gitops: missing"],
    ["no scope", withGitops({ scope: null }), "gitops.scope: missing"],
    ["an unknown scope mode", withGitops({ scope: { mode: "galaxy", namespaces: [] } }), 'gitops.scope.mode: "galaxy"; expected one of namespaced, cluster'],
    ["a zero re-apply interval (a tight loop)", withGitops({ reapply_interval_seconds: 0 }), "gitops.reapply_interval_seconds: 0; expected at least 1"],
    ["a project with no ref", withProject({ ref: null }), "gitops.manifest_projects[0].ref: missing"],
    ["a project with no id", withProject({ id: "" }), "gitops.manifest_projects[0].id: missing"],
    ["a ref with a branch and a tag", withProject({ ref: { branch: "main", tag: "v1" } }), "gitops.manifest_projects[0].ref: more than one of branch, tag, commit"],
    ["an empty glob", withProject({ paths: [{ glob: "" }] }), "gitops.manifest_projects[0].paths[0].glob: missing"],
    ["an unknown dry-run strategy", withProject({ dry_run_strategy: "" }), 'gitops.manifest_projects[0].dry_run_strategy: ""; expected one of none, client, server'],
    ["an unknown propagation policy", withProject({ prune_propagation_policy: "yolo" }), 'gitops.manifest_projects[0].prune_propagation_policy: "yolo"; expected one of orphan, background, foreground'],
    ["an unknown inventory policy", withProject({ inventory_policy: "all" }), 'gitops.manifest_projects[0].inventory_policy: "all"; expected one of must_match, adopt_if_no_inventory, adopt_all'],
    ["no observability", { ...good, observability: null } as unknown as AgentConfiguration, "observability.logging.level: null; expected one of debug, info, warn, error"],
  ])("%s", (_name, config, problem) => {
    expect(configurationProblems(config)).toEqual([problem]);
  });
});
