/** Defaults (GitLab's) and GitLab configs that must parse unchanged. */
import { MANIFEST_PROJECT_DEFAULTS, type AgentConfiguration, type ManifestProject } from "../../rpc/agent-config";
import { parseAgentConfig } from "./index";

const ctx = { file: ".gitlab/agents/dude-agent/config.yaml", configProjectId: "dude/agent-config" };

function configOf(yaml: string): { config: AgentConfiguration; warnings: string[] } {
  const res = parseAgentConfig(yaml, ctx);
  if (!res.ok) throw new Error(res.error);
  return { config: res.config, warnings: res.warnings };
}

const EMPTY: AgentConfiguration = {
  gitops: { manifest_projects: [], scope: { mode: "cluster", namespaces: [] }, reapply_interval_seconds: 300 },
  observability: { logging: { level: "info" } },
};

const defaultProject = (over: Partial<ManifestProject> = {}): ManifestProject => ({
  id: "dude/agent-config",
  ref: {},
  ...MANIFEST_PROJECT_DEFAULTS,
  paths: [{ glob: "**/*.{yaml,yml,json}" }],
  resource_inclusions: [],
  resource_exclusions: [],
  ...over,
});

describe("parseAgentConfig: defaults", () => {
  test.each([
    ["an empty file", ""],
    ["only a comment", "# nothing yet\n"],
    ["an empty mapping", "{}\n"],
    ["null sections", "gitops:\nobservability:\n"],
    ["empty sections", "gitops: {}\nobservability: {logging: {}}\n"],
    ["an empty project list", "gitops:\n  manifest_projects: []\n"],
    ["a trailing document marker", "gitops: {}\n---\n"],
  ])("%s is a valid config with no manifest projects", (_name, yaml) => {
    expect(configOf(yaml)).toEqual({ config: EMPTY, warnings: [] });
  });

  test.each<[string, string, Partial<ManifestProject>]>([
    ["id defaults to the config project", "- {}", {}],
    ["id null defaults too", "- id:", {}],
    ["explicit id", "- id: group/manifests", { id: "group/manifests" }],
    ["empty ref means the default branch", "- ref: {}", {}],
    ["null ref means the default branch", "- ref:", {}],
    ["branch", "- ref: {branch: production}", { ref: { branch: "production" } }],
    ["tag", "- ref: {tag: v1.0}", { ref: { tag: "v1.0" } }],
    ["commit (lowercased)", "- ref: {commit: ABCDEF0123456789abcdef0123456789ABCDEF01}", { ref: { commit: "abcdef0123456789abcdef0123456789abcdef01" } }],
    ["empty paths list uses the default glob", "- paths: []", {}],
    ["empty default_namespace means default", `- default_namespace: ""`, {}],
    ["empty enum strings mean the default", `- {dry_run_strategy: "", inventory_policy: "", prune_propagation_policy: ""}`, {}],
    ["prune false", "- prune: false", { prune: false }],
    ["YAML 1.1 booleans, as GitLab's Go decoder reads them", "- prune: no", { prune: false }],
    ["durations in seconds", "- {reconcile_timeout: 3600s, prune_timeout: 90s}", { reconcile_timeout_seconds: 3600, prune_timeout_seconds: 90 }],
    ["Go-style durations", "- {reconcile_timeout: 1h30m, prune_timeout: 1.5s}", { reconcile_timeout_seconds: 5400, prune_timeout_seconds: 1.5 }],
    ["zero timeouts", `- {reconcile_timeout: "0", prune_timeout: 0s}`, { reconcile_timeout_seconds: 0, prune_timeout_seconds: 0 }],
    ["a leading / in a glob is kept (repository root)", "- paths: [{glob: /manifests/*.yaml}]", { paths: [{ glob: "/manifests/*.yaml" }] }],
    ["enums", "- {dry_run_strategy: server, prune_propagation_policy: orphan, inventory_policy: adopt_all}", { dry_run_strategy: "server", prune_propagation_policy: "orphan", inventory_policy: "adopt_all" }],
    ["a date-like branch stays a string", "- ref: {branch: 2024-01-31}", { ref: { branch: "2024-01-31" } }],
  ])("%s", (_name, item, expected) => {
    const { config } = configOf(`gitops:\n  manifest_projects:\n  ${item}\n`);
    expect(config.gitops.manifest_projects).toEqual([defaultProject(expected)]);
  });

  test("the same project at two refs is not a duplicate", () => {
    const { config } = configOf("gitops:\n  manifest_projects:\n  - {id: a/b, ref: {branch: x}}\n  - {id: a/b, ref: {tag: x}}\n  - {id: a/b}\n");
    expect(config.gitops.manifest_projects.map((p) => p.ref)).toEqual([{ branch: "x" }, { tag: "x" }, {}]);
  });

  test("the default paths are a fresh copy, not the shared constant", () => {
    const { config } = configOf("gitops:\n  manifest_projects:\n  - {}\n");
    expect(config.gitops.manifest_projects[0]?.paths).not.toBe(MANIFEST_PROJECT_DEFAULTS.paths);
  });

  test("our extensions: scope and reapply_interval", () => {
    const { config, warnings } = configOf(
      "gitops:\n  scope: {mode: namespaced, namespaces: [dude, dude, naww]}\n  reapply_interval: 2m\n",
    );
    expect(config.gitops.scope).toEqual({ mode: "namespaced", namespaces: ["dude", "naww"] });
    expect(config.gitops.reapply_interval_seconds).toBe(120);
    expect(warnings).toEqual([]);
  });

  test("namespaced mode without namespaces means any namespace", () => {
    expect(configOf("gitops:\n  scope: {mode: namespaced}\n").config.gitops.scope).toEqual({ mode: "namespaced", namespaces: [] });
  });

  test("a Buffer is accepted like a string", () => {
    const res = parseAgentConfig(Buffer.from("observability:\n  logging:\n    level: debug\n"), ctx);
    expect(res.ok && res.config.observability.logging.level).toBe("debug");
  });
});

describe("parseAgentConfig: GitLab configs work unchanged", () => {
  // The GitOps configuration reference of GitLab's docs (15.7+), with sections of other features around it.
  const gitlabConfig = `
gitops:
  manifest_projects:
  - id: gitlab-org/cluster-integration/gitlab-agent
    ref:  # either \`branch\`, \`tag\` or \`commit\` can be specified
      branch: production
      # commit: <mysha>
      # tag: v1.0
    default_namespace: my-ns
    paths:
      # Read all YAML files from this directory.
    - glob: '/team1/app1/*.yaml'
      # Read all .yaml files from team2/apps and all subdirectories.
    - glob: '/team2/apps/**/*.yaml'
      # If 'paths' is not specified or is an empty list, the configuration below is used.
    - glob: '/**/*.{yaml,yml,json}'
    reconcile_timeout: 3600s
    dry_run_strategy: none
    prune: true
    prune_timeout: 3600s
    prune_propagation_policy: foreground
    inventory_policy: must_match
  charts:
  - release_name: my-app
    source:
      project:
        id: my-group/my-charts
        path: charts/my-app
ci_access:
  projects:
  - id: path/to/project
  groups:
  - id: path/to/group/subgroup
    access_as:
      impersonate:
        username: deployer
user_access:
  access_as:
    agent: {}
  projects:
  - id: group-1/project-1
container_scanning:
  cadence: '0 0 * * *'
  vulnerability_report:
    namespaces:
    - development
remote_development:
  enabled: true
  dns_zone: workspaces.example.dev
flux:
  webhook_receiver_url: http://webhook-receiver.flux-system.svc.cluster.local
observability:
  logging:
    level: debug
    grpc_level: warn
  google_profiler:
    enabled: false
`;

  test("parses, with a warning per unimplemented section", () => {
    const { config, warnings } = configOf(gitlabConfig);
    expect(config.gitops.manifest_projects).toEqual([
      defaultProject({
        id: "gitlab-org/cluster-integration/gitlab-agent",
        ref: { branch: "production" },
        default_namespace: "my-ns",
        paths: [{ glob: "/team1/app1/*.yaml" }, { glob: "/team2/apps/**/*.yaml" }, { glob: "/**/*.{yaml,yml,json}" }],
      }),
    ]);
    expect(config.observability.logging.level).toBe("debug");
    expect(warnings.sort()).toEqual(
      [
        "gitops.charts",
        "container_scanning",
        "remote_development",
        "flux",
        "observability.google_profiler",
      ]
        .map((s) => `${s} is not implemented by this agent and is ignored`)
        .sort(),
    );
  });

  test("a GitLab 13.x config with resource_inclusions / resource_exclusions", () => {
    const { config, warnings } = configOf(`
gitops:
  manifest_projects:
  - id: gitlab-org/cluster-integration/gitlab-agent
    default_namespace: my-ns
    resource_inclusions:
      - api_groups:
          - apps
        kinds:
          - '*'
      - api_groups:
          - ''
        kinds:
          - 'ConfigMap'
    resource_exclusions:
      - api_groups:
          - '*'
        kinds:
          - '*'
    paths:
    - glob: '/team1/app1/*.{yaml,yml,json}'
`);
    expect(warnings).toEqual([]);
    const [project] = config.gitops.manifest_projects;
    expect(project?.resource_inclusions).toEqual([
      { api_groups: ["apps"], kinds: ["*"] },
      { api_groups: [""], kinds: ["ConfigMap"] },
    ]);
    expect(project?.resource_exclusions).toEqual([{ api_groups: ["*"], kinds: ["*"] }]);
  });

  test("the older starboard and cilium sections are accepted with a warning", () => {
    const { warnings } = configOf("starboard:\n  cadence: '@daily'\ncilium:\n  hubble_relay_address: hubble:80\n");
    expect(warnings).toEqual([
      "starboard is not implemented by this agent and is ignored",
      "cilium is not implemented by this agent and is ignored",
    ]);
  });
});
