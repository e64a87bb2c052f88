/** Every error form of the agent config: each names file, key path, what was found and what was expected. */
import { parseAgentConfig } from "./index";

const FILE = ".gitlab/agents/dude-agent/config.yaml";
const ctx = { file: FILE, configProjectId: "dude/agent-config" };

function errorOf(yaml: string | Buffer): string {
  const res = parseAgentConfig(yaml, ctx);
  if (res.ok) throw new Error(`expected an error, got ${JSON.stringify(res.config)}`);
  return res.error;
}

const mp = (body: string): string => `gitops:\n  manifest_projects:\n  - id: dude/manifests\n${body}`;

describe("parseAgentConfig: errors", () => {
  test.each<[string, string, string[]]>([
    ["not YAML (line/column)", "gitops:\n  manifest_projects: [\n    - id: x\n", [`${FILE}:`, "invalid YAML"]],
    ["duplicate key", "gitops: {}\ngitops: {}\n", [`${FILE}:2:1:`, "invalid YAML", "unique"]],
    ["top level a list", "- gitops\n", ["found a list at the top level", "expected a mapping with keys gitops, observability, ci_access, user_access"]],
    ["top level a scalar", "hello\n", [`found "hello" at the top level`]],
    ["two documents", "gitops: {}\n---\nobservability: {}\n", ["found 2 YAML documents", "expected one"]],
    ["unknown top-level key with suggestion", "gitopz: {}\n", [`${FILE}:1: gitopz: found unknown key "gitopz" (did you mean "gitops"?)`, "expected one of: gitops, observability, ci_access, user_access"]],
    ["unknown key far from any", "zzz_totally_else: 1\n", [`zzz_totally_else: found unknown key "zzz_totally_else"; expected one of`]],
    ["typo in a manifest project key", mp("    prnue: false\n"), [`${FILE}:4: gitops.manifest_projects[0].prnue: found unknown key "prnue" (did you mean "prune"?)`]],
    ["typo in gitops", "gitops:\n  manifest_project: []\n", [`gitops.manifest_project: found unknown key`, `did you mean "manifest_projects"?`]],
    ["gitops not a mapping", "gitops: [1]\n", ["gitops: found a list; expected a mapping with keys manifest_projects, scope, reapply_interval"]],
    ["manifest_projects not a list", "gitops:\n  manifest_projects: {id: x}\n", ["gitops.manifest_projects: found a mapping; expected a list of manifest projects"]],
    ["manifest project null", "gitops:\n  manifest_projects:\n  -\n", ["gitops.manifest_projects[0]: found nothing (null); expected a manifest project mapping"]],
    ["id a number", "gitops:\n  manifest_projects:\n  - id: 21564\n", ["gitops.manifest_projects[0].id: found the number 21564; expected a project path such as group/project"]],
    ["id empty", `gitops:\n  manifest_projects:\n  - id: ""\n`, [`gitops.manifest_projects[0].id: found ""; expected a project path`]],
    ["a YAML 1.1 boolean where a string is expected", mp("    ref: {branch: on}\n"), ["ref.branch: found the boolean true; expected a branch name (quote it:"]],
    ["prune not a boolean", mp("    prune: maybe\n"), [`gitops.manifest_projects[0].prune: found "maybe"; expected true or false`]],
    ["bad duration", mp("    prune_timeout: 1x\n"), [`${FILE}:4: gitops.manifest_projects[0].prune_timeout: found "1x"; expected a duration such as "3600s" or "1h30m"`]],
    ["duration without unit", mp("    reconcile_timeout: 3600\n"), ["reconcile_timeout: found the number 3600; expected a duration", "(a number needs a unit)"]],
    ["negative duration", mp("    reconcile_timeout: -5s\n"), [`reconcile_timeout: found "-5s"; expected a duration`]],
    ["bad dry_run_strategy", mp("    dry_run_strategy: sever\n"), [`dry_run_strategy: found "sever"; expected one of "none", "client", "server" (did you mean "server"?)`]],
    ["bad prune_propagation_policy", mp("    prune_propagation_policy: cascade\n"), [`prune_propagation_policy: found "cascade"; expected one of "orphan", "background", "foreground"`]],
    ["bad inventory_policy", mp("    inventory_policy: adopt\n"), [`inventory_policy: found "adopt"; expected one of "must_match", "adopt_if_no_inventory", "adopt_all"`]],
    ["enum of wrong type", mp("    dry_run_strategy: 1\n"), [`dry_run_strategy: found the number 1; expected one of`]],
    ["branch and tag", mp("    ref: {branch: main, tag: v1}\n"), ["gitops.manifest_projects[0].ref: found branch and tag; expected only one of branch, tag, commit"]],
    ["branch, tag and commit", mp("    ref: {branch: main, tag: v1, commit: abcdef1}\n"), ["found branch and tag and commit; expected only one of"]],
    ["ref a string", mp("    ref: main\n"), [`gitops.manifest_projects[0].ref: found "main"; expected a mapping with keys branch, tag, commit`]],
    ["ref unknown key", mp("    ref: {brnach: main}\n"), [`ref.brnach: found unknown key "brnach" (did you mean "branch"?)`]],
    ["empty branch", mp(`    ref: {branch: ""}\n`), [`ref.branch: found ""; expected a branch name`]],
    ["bad commit", mp("    ref: {commit: not-a-sha}\n"), [`ref.commit: found "not-a-sha"; expected a commit SHA`]],
    ["bad default_namespace", mp("    default_namespace: My_NS\n"), [`default_namespace: found "My_NS"; expected a namespace name`]],
    ["paths not a list", mp("    paths: '**/*.yaml'\n"), [`paths: found "**/*.yaml"; expected a list of {glob: <pattern>} entries`]],
    ["path entry a string", mp("    paths: ['*.yaml']\n"), [`paths[0]: found "*.yaml"; expected a mapping with keys glob`]],
    ["path entry null", mp("    paths: [null]\n"), [`paths[0]: found nothing (null); expected a mapping with keys glob`]],
    ["path entry without glob", mp("    paths: [{}]\n"), [`paths[0].glob: found nothing; expected a glob pattern such as "manifests/**/*.yaml"`]],
    ["glob a number", mp("    paths: [{glob: 5}]\n"), ["paths[0].glob: found the number 5; expected a glob pattern"]],
    ["glob with ..", mp("    paths: [{glob: 'manifests/../../etc/*'}]\n"), [`paths[0].glob: found "manifests/../../etc/*"; expected a glob inside the repository (no ".." segment)`]],
    ["glob starting with ..", mp("    paths: [{glob: '../x.yaml'}]\n"), [`found "../x.yaml"; expected a glob inside the repository`]],
    ["glob with backslash", mp("    paths: [{glob: 'a\\b.yaml'}]\n"), [`paths[0].glob: found "a\\\\b.yaml"; expected a glob with "/" separators and no backslash`]],
    ["glob with NUL", mp(`    paths: [{glob: "a\\0b"}]\n`), ["paths[0].glob: found a glob containing a NUL character"]],
    ["more than 100 paths", mp(`    paths:\n${Array.from({ length: 101 }, (_, i) => `    - glob: d${i}/*.yaml\n`).join("")}`), ["gitops.manifest_projects[0].paths: found 101 paths; expected at most 100"]],
    ["duplicate project (same id, default ref)", "gitops:\n  manifest_projects:\n  - id: a/b\n  - id: a/b\n", [`${FILE}:4: gitops.manifest_projects[1]: found a second entry for project "a/b" at the default branch`, "first at gitops.manifest_projects[0]"]],
    ["duplicate project (same id and branch)", "gitops:\n  manifest_projects:\n  - {id: a/b, ref: {branch: x}}\n  - {id: a/b, ref: {branch: x}, paths: [{glob: z}]}\n", [`second entry for project "a/b" at branch "x"`]],
    ["duplicate project (defaulted id)", "gitops:\n  manifest_projects:\n  - {}\n  - {id: dude/agent-config}\n", [`second entry for project "dude/agent-config"`]],
    ["resource selector without kinds", mp("    resource_inclusions: [{api_groups: [apps]}]\n"), ["resource_inclusions[0].kinds: found nothing; expected a list of at least one"]],
    ["resource selector empty api_groups", mp("    resource_exclusions: [{api_groups: [], kinds: ['*']}]\n"), ["resource_exclusions[0].api_groups: found an empty list; expected at least 1"]],
    ["resource selector empty kind", mp(`    resource_inclusions: [{api_groups: [""], kinds: [""]}]\n`), [`resource_inclusions[0].kinds[0]: found ""; expected a kind`]],
    ["resource selector unknown key", mp("    resource_inclusions: [{api_group: [apps], kinds: ['*']}]\n"), [`resource_inclusions[0].api_group: found unknown key "api_group" (did you mean "api_groups"?)`]],
    ["scope bad mode", "gitops:\n  scope: {mode: namespace}\n", [`gitops.scope.mode: found "namespace"; expected one of "namespaced", "cluster" (did you mean "namespaced"?)`]],
    ["scope namespaces without namespaced mode", "gitops:\n  scope: {namespaces: [dude]}\n", ["gitops.scope.namespaces: found namespaces with mode \"cluster\"", "expected mode: namespaced"]],
    ["scope bad namespace", "gitops:\n  scope: {mode: namespaced, namespaces: [Dude]}\n", [`gitops.scope.namespaces[0]: found "Dude"; expected a namespace name`]],
    ["reapply_interval zero", "gitops:\n  reapply_interval: 0s\n", [`gitops.reapply_interval: found "0s"; expected a duration of at least 1s`]],
    ["bad log level", "observability:\n  logging:\n    level: verbose\n", [`${FILE}:3: observability.logging.level: found "verbose"; expected one of "debug", "info", "warn", "error"`]],
    ["bad grpc log level", "observability:\n  logging:\n    grpc_level: trace\n", [`observability.logging.grpc_level: found "trace"`]],
    ["logging typo", "observability:\n  loging: {level: info}\n", [`observability.loging: found unknown key "loging" (did you mean "logging"?)`]],
  ])("%s", (_name, yaml, expected) => {
    const error = errorOf(yaml);
    expect(error.startsWith(FILE)).toBe(true);
    for (const part of expected) expect(error).toContain(part);
  });

  test("a file over 128 KiB is refused before parsing (even if it is not YAML)", () => {
    const big = "#".repeat(128 * 1024) + "\n: : [";
    expect(errorOf(big)).toBe(`${FILE}: found a file of ${big.length} bytes; expected at most 131072 bytes (128 KiB)`);
    expect(parseAgentConfig("#".repeat(128 * 1024), ctx).ok).toBe(true);
  });

  test("an alias bomb is refused, not expanded", () => {
    const lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 10; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(", ")}]`);
    expect(errorOf(lines.join("\n"))).toContain("found YAML that cannot be expanded");
  });

  test("bytes that are not UTF-8 are refused", () => {
    expect(errorOf(Buffer.from([0x67, 0x69, 0xff, 0xfe]))).toContain("not UTF-8");
  });

  test("all errors are reported, one a line, in source order", () => {
    const yaml = [
      "gitops:", //                       1
      "  manifest_projects:", //           2
      "  - id: a/b", //                    3
      "    prune_timeout: soon", //        4
      "    ref: {branch: m, tag: t}", //   5
      "    paths: [{glob: ../x}]", //      6
      "observability:", //                 7
      "  logging: {level: loud}", //       8
      "ci_acess: {}", //                   9
    ].join("\n");
    const res = parseAgentConfig(yaml, ctx);
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.errors).toHaveLength(5);
    expect(res.error.split("\n")).toEqual(res.errors);
    expect(res.errors.map((e) => /^[^:]+:(\d+):/.exec(e)?.[1])).toEqual(["4", "5", "6", "8", "9"]);
    expect(res.errors[4]).toContain(`did you mean "ci_access"?`);
  });
});
