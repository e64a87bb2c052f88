/** The `gitops` section: manifest projects (GitLab's schema) plus scope and reapply interval (ours). */
import {
  LIMITS,
  MANIFEST_PROJECT_DEFAULTS,
  REAPPLY_INTERVAL_DEFAULT_SECONDS,
  type GitopsConfig,
  type GitopsScope,
  type GitRef,
  type ManifestProject,
  type PathGlob,
  type ResourceSelector,
} from "../../rpc/agent-config";
import { DNS_LABEL, type Checker, type KeyPath } from "../../common/config-kit";
import {
  COMMIT_SHA,
  DRY_RUN_STRATEGIES,
  GITOPS_KEYS,
  GITOPS_UNIMPLEMENTED,
  INVENTORY_POLICIES,
  MANIFEST_PROJECT_KEYS,
  NAMESPACE_EXPECTED,
  PATH_KEYS,
  PRUNE_PROPAGATION_POLICIES,
  REF_KEYS,
  RESOURCE_SELECTOR_KEYS,
  SCOPE_KEYS,
  SCOPE_MODES,
} from "./schema";

export function checkGitops(value: unknown, c: Checker, configProjectId: string): GitopsConfig {
  const path = ["gitops"];
  const gitops = c.mapping(value, path, GITOPS_KEYS, GITOPS_UNIMPLEMENTED) ?? {};
  return {
    manifest_projects: checkManifestProjects(gitops.manifest_projects, c, configProjectId),
    scope: checkScope(gitops.scope, c),
    reapply_interval_seconds:
      c.duration(gitops.reapply_interval, [...path, "reapply_interval"], 1) ?? REAPPLY_INTERVAL_DEFAULT_SECONDS,
  };
}

function checkManifestProjects(value: unknown, c: Checker, configProjectId: string): ManifestProject[] {
  const path = ["gitops", "manifest_projects"];
  const items = c.list(value, path, "manifest projects") ?? [];
  const projects: ManifestProject[] = [];
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    const errorsBefore = c.errors.length;
    const project = checkManifestProject(item, [...path, i], c, configProjectId);
    // An entry with errors has defaults in place of bad values: comparing it would report false duplicates.
    if (project === undefined || c.errors.length > errorsBefore) return;
    const identity = `${project.id}\u0000${JSON.stringify(project.ref)}`;
    const first = seen.get(identity);
    if (first !== undefined) {
      c.error(
        [...path, i],
        `found a second entry for project ${JSON.stringify(project.id)} at ${describeRef(project.ref)}; ` +
          `expected each id+ref once (first at gitops.manifest_projects[${first}]): merge their paths`,
      );
      return;
    }
    seen.set(identity, i);
    projects.push(project);
  });
  return projects;
}

function describeRef(ref: GitRef): string {
  if (ref.branch !== undefined) return `branch ${JSON.stringify(ref.branch)}`;
  if (ref.tag !== undefined) return `tag ${JSON.stringify(ref.tag)}`;
  if (ref.commit !== undefined) return `commit ${ref.commit}`;
  return "the default branch";
}

function checkManifestProject(value: unknown, path: KeyPath, c: Checker, configProjectId: string): ManifestProject | undefined {
  if (value === null) {
    c.mismatch(path, value, "a manifest project mapping (id, ref, paths, ...)");
    return undefined;
  }
  const p = c.mapping(value, path, MANIFEST_PROJECT_KEYS);
  if (p === undefined) return undefined;
  const at = (key: string): KeyPath => [...path, key];
  const d = MANIFEST_PROJECT_DEFAULTS;
  const id = c.string(p.id, at("id"), { nonEmpty: true, expected: "a project path such as group/project" });
  // An empty default_namespace means the default, as in GitLab.
  const namespaceValue = p.default_namespace === "" ? undefined : p.default_namespace;
  const defaultNamespace = c.string(namespaceValue, at("default_namespace"), {
    expected: NAMESPACE_EXPECTED,
    pattern: DNS_LABEL,
  });
  return {
    id: id ?? configProjectId,
    ref: checkRef(p.ref, at("ref"), c),
    default_namespace: defaultNamespace ?? d.default_namespace,
    paths: checkPaths(p.paths, at("paths"), c),
    reconcile_timeout_seconds: c.duration(p.reconcile_timeout, at("reconcile_timeout")) ?? d.reconcile_timeout_seconds,
    dry_run_strategy: c.oneOf(p.dry_run_strategy, at("dry_run_strategy"), DRY_RUN_STRATEGIES) ?? d.dry_run_strategy,
    prune: c.boolean(p.prune, at("prune")) ?? d.prune,
    prune_timeout_seconds: c.duration(p.prune_timeout, at("prune_timeout")) ?? d.prune_timeout_seconds,
    prune_propagation_policy:
      c.oneOf(p.prune_propagation_policy, at("prune_propagation_policy"), PRUNE_PROPAGATION_POLICIES) ??
      d.prune_propagation_policy,
    inventory_policy: c.oneOf(p.inventory_policy, at("inventory_policy"), INVENTORY_POLICIES) ?? d.inventory_policy,
    resource_inclusions: checkSelectors(p.resource_inclusions, at("resource_inclusions"), c),
    resource_exclusions: checkSelectors(p.resource_exclusions, at("resource_exclusions"), c),
  };
}

/** `{}` (the project's default branch) or exactly one of branch, tag, commit. */
function checkRef(value: unknown, path: KeyPath, c: Checker): GitRef {
  const ref = c.mapping(value, path, REF_KEYS);
  if (ref === undefined) return {};
  const given = REF_KEYS.filter((key) => ref[key] !== undefined && ref[key] !== null);
  if (given.length > 1) {
    c.error(path, `found ${given.join(" and ")}; expected only one of branch, tag, commit`);
    return {};
  }
  const branch = c.string(ref.branch, [...path, "branch"], { nonEmpty: true, expected: "a branch name" });
  const tag = c.string(ref.tag, [...path, "tag"], { nonEmpty: true, expected: "a tag name" });
  const commit = c.string(ref.commit, [...path, "commit"], {
    pattern: COMMIT_SHA,
    expected: "a commit SHA (7 to 64 hexadecimal digits)",
  });
  if (branch !== undefined) return { branch };
  if (tag !== undefined) return { tag };
  if (commit !== undefined) return { commit: commit.toLowerCase() };
  return {};
}

function checkPaths(value: unknown, path: KeyPath, c: Checker): PathGlob[] {
  const items = c.list(value, path, "{glob: <pattern>} entries");
  if (items === undefined || items.length === 0) return MANIFEST_PROJECT_DEFAULTS.paths.map((p) => ({ ...p }));
  if (items.length > LIMITS.paths) {
    c.error(path, `found ${items.length} paths; expected at most ${LIMITS.paths}`);
    return [];
  }
  const globs: PathGlob[] = [];
  for (const { entry, path: entryPath } of c.entries(items, path, PATH_KEYS)) {
    const globPath = [...entryPath, "glob"];
    if (!c.required(entry.glob, globPath, `a glob pattern such as "manifests/**/*.yaml"`)) continue;
    const glob = c.string(entry.glob, globPath, { nonEmpty: true, expected: "a glob pattern" });
    if (glob !== undefined && checkGlob(glob, globPath, c)) globs.push({ glob });
  }
  return globs;
}

/** A glob may not leave the repository. A leading `/` is fine: it means the repository root. */
function checkGlob(glob: string, path: KeyPath, c: Checker): boolean {
  const shown = JSON.stringify(glob);
  if (glob.includes("\u0000")) {
    c.error(path, `found a glob containing a NUL character; expected a glob inside the repository`);
    return false;
  }
  if (glob.includes("\\")) {
    c.error(path, `found ${shown}; expected a glob with "/" separators and no backslash`);
    return false;
  }
  if (glob.split("/").includes("..")) {
    c.error(path, `found ${shown}; expected a glob inside the repository (no ".." segment)`);
    return false;
  }
  return true;
}

function checkSelectors(value: unknown, path: KeyPath, c: Checker): ResourceSelector[] {
  const items = c.list(value, path, "{api_groups: [...], kinds: [...]} entries") ?? [];
  const groupsRule = { expected: `an API group ("" is the core group, "*" any)` };
  const kindsRule = { nonEmpty: true, expected: `a kind such as "Deployment" ("*" any)` };
  const selectors: ResourceSelector[] = [];
  for (const { entry, path: entryPath } of c.entries(items, path, RESOURCE_SELECTOR_KEYS)) {
    const groupsPath = [...entryPath, "api_groups"];
    const kindsPath = [...entryPath, "kinds"];
    const hasGroups = c.required(entry.api_groups, groupsPath, `a list of at least one ${groupsRule.expected}`);
    const hasKinds = c.required(entry.kinds, kindsPath, `a list of at least one ${kindsRule.expected}`);
    const apiGroups = hasGroups ? c.strings(entry.api_groups, groupsPath, groupsRule, 1) : undefined;
    const kinds = hasKinds ? c.strings(entry.kinds, kindsPath, kindsRule, 1) : undefined;
    if (apiGroups !== undefined && kinds !== undefined) selectors.push({ api_groups: apiGroups, kinds });
  }
  return selectors;
}

function checkScope(value: unknown, c: Checker): GitopsScope {
  const path = ["gitops", "scope"];
  const scope = c.mapping(value, path, SCOPE_KEYS) ?? {};
  const modeGiven = scope.mode !== undefined && scope.mode !== null && scope.mode !== "";
  const mode = c.oneOf(scope.mode, [...path, "mode"], SCOPE_MODES);
  const namespaces =
    c.strings(scope.namespaces, [...path, "namespaces"], { pattern: DNS_LABEL, expected: NAMESPACE_EXPECTED }) ?? [];
  if (namespaces.length > 0 && (mode === "cluster" || !modeGiven)) {
    c.error(
      [...path, "namespaces"],
      `found namespaces with mode "cluster" (the default), which may write anywhere; expected mode: namespaced to restrict the agent to them`,
    );
  }
  return { mode: mode ?? "cluster", namespaces: [...new Set(namespaces)] };
}
