/**
 * Step 3: may this agent manage this object? A refusal fails that object
 * alone (it is reported and counted), the rest of the commit is applied.
 */
import type { GitopsScope, ManifestProject, ResourceSelector } from "../../rpc/agent-config";
import { describeObject, groupKind } from "./fields";

export interface ScopeSubject {
  readonly group: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

export type KindRules = Pick<ManifestProject, "resource_inclusions" | "resource_exclusions">;

/**
 * The reason `obj` is refused, or undefined when the agent may apply it.
 * @param namespaced whether the kind is namespaced (API discovery or a CRD in the commit).
 */
export function checkScope(obj: ScopeSubject, scope: GitopsScope, project: KindRules, namespaced: boolean): string | undefined {
  const what = describeObject({ kind: obj.kind, name: obj.name });
  if (scope.mode === "namespaced") {
    // A Namespace is cluster-scoped too: a namespaced agent may write in namespaces, not create them.
    if (!namespaced) return `${what} is cluster-scoped; this agent runs in namespaced mode`;
    const ns = obj.namespace ?? "";
    if (scope.namespaces.length > 0 && !scope.namespaces.includes(ns)) {
      return `namespace ${ns} is not in the agent's scope (${scope.namespaces.join(", ")})`;
    }
  }
  // GitLab's rule (agent config docs, gitlab-agent's resourcesFilter): inclusions are checked
  // first and a match is managed; then exclusions, and a match is refused; what neither
  // list matches is managed. (Argo CD's rule is the other way round; GitLab users expect this one.)
  const inclusions = project.resource_inclusions;
  if (inclusions.some((rule) => matches(rule, obj.group, obj.kind))) return undefined;
  const excludedBy = project.resource_exclusions.findIndex((rule) => matches(rule, obj.group, obj.kind));
  const exclusion = project.resource_exclusions[excludedBy];
  if (exclusion !== undefined) {
    const missed = inclusions.length > 0 ? ` and not matched by resource_inclusions ${inclusions.map(describeRule).join(", ")}` : "";
    return `${what}: kind ${groupKind(obj.group, obj.kind)} is excluded by resource_exclusions[${excludedBy}] ${describeRule(exclusion)}${missed}`;
  }
  return undefined;
}

/** `"*"` matches any group or kind; the core group is `""`. */
export function matches(rule: ResourceSelector, group: string, kind: string): boolean {
  const any = (values: readonly string[], value: string) => values.includes("*") || values.includes(value);
  return any(rule.api_groups, group) && any(rule.kinds, kind);
}

/** `{api_groups: [""], kinds: ["Secret"]}`, as the rule is written in config.yaml. */
function describeRule(rule: ResourceSelector): string {
  const list = (values: readonly string[]) => `[${values.map((v) => JSON.stringify(v)).join(", ")}]`;
  return `{api_groups: ${list(rule.api_groups)}, kinds: ${list(rule.kinds)}}`;
}
