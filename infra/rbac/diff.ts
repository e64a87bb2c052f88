/**
 * What an RBAC plan change means for the agent: per namespace, the
 * (apiGroup, resource, verb) permissions it gains and loses. Pure; the
 * rbac:diff CLI and CI print it with formatDiffTable.
 */
import { READ_VERBS, WRITE_VERBS } from "../../runtime/common/rbac-rules";
import type { RbacPlan } from "./plan";

/** Permissions of one API group that share the same verbs. */
export interface PermissionGroup {
  /** `""` is the core group. */
  readonly apiGroup: string;
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
}

export interface NamespaceRbacChange {
  /** A namespace name, CLUSTER_SCOPE for the `clusterResources` opt-in, or IMPERSONATION_SCOPE for `agent.impersonation`. */
  readonly namespace: string;
  /** The namespace's access before and after, in words: admin, write, read (either `+ secrets`), none, agent home, or absent; `cluster resources` or none for CLUSTER_SCOPE; `impersonation` (`, any group (cluster-admin)`) or none for IMPERSONATION_SCOPE. */
  readonly before: string;
  readonly after: string;
  /** Why a reviewer should look twice: a change to or from admin, or of cluster-scoped rights. */
  readonly highlight?: string;
  /** Permissions the agent gains there. */
  readonly added: readonly PermissionGroup[];
  /** Permissions the agent loses there. */
  readonly removed: readonly PermissionGroup[];
}

export interface RbacDiff {
  /** Set when the agent's ServiceAccount itself changes (every grant then moves to the new one). */
  readonly subject?: { readonly before: string; readonly after: string };
  /** Only namespaces that change, sorted by name. */
  readonly namespaces: readonly NamespaceRbacChange[];
}

/** The row name of cluster-scoped rights (no namespace is named this: parentheses are not allowed in names). */
export const CLUSTER_SCOPE = "(cluster-wide)";
/** The row name of the identities the agent may impersonate (`agent.impersonation`). */
export const IMPERSONATION_SCOPE = "(impersonation)";

const VERB_ORDER: readonly string[] = [...WRITE_VERBS, ...READ_VERBS];
const byVerbOrder = (a: string, b: string): number =>
  (VERB_ORDER.indexOf(a) + 1 || 99) - (VERB_ORDER.indexOf(b) + 1 || 99) || a.localeCompare(b);

const subjectOf = (plan: RbacPlan): string =>
  plan.serviceAccount.name ? `${plan.serviceAccount.namespace}/${plan.serviceAccount.name}` : "";

function levelOf(plan: RbacPlan, namespace: string): string {
  if (namespace === CLUSTER_SCOPE) return plan.cluster ? "cluster resources" : "none";
  if (namespace === IMPERSONATION_SCOPE) return impersonationLevel(plan);
  const ns = plan.namespaces.find((n) => n.name === namespace);
  if (!ns) return "absent";
  const secrets = plan.grants.some((g) => g.namespace === namespace && g.secrets) ? " + secrets" : "";
  if (!ns.agentHome) return `${ns.access}${secrets}`;
  return ns.access === "none" ? "agent home" : `${ns.access}${secrets} + agent home`;
}

/** Impersonating any group (a groups rule without names) includes system:masters. */
const anyGroup = (plan: RbacPlan): boolean => plan.impersonation?.rules.some((r) => r.resources.includes("groups") && !r.resourceNames) ?? false;

function impersonationLevel(plan: RbacPlan): string {
  if (!plan.impersonation) return "none";
  return anyGroup(plan) ? "impersonation, any group (cluster-admin)" : "impersonation";
}

/**
 * A resource as the table shows it: `customresourcedefinitions (widgets.example.com)` when narrowed
 * to a name; an impersonation resource without names is `users (any)`, so nobody reads it as none.
 */
const named = (resource: string, names: readonly string[] | undefined, anyWord: boolean): string[] =>
  names ? names.map((n) => `${resource} (${n})`) : [anyWord ? `${resource} (any)` : resource];

/** namespace (or CLUSTER_SCOPE, IMPERSONATION_SCOPE) -> set of "apiGroup|resource|verb". */
function permissions(plan: RbacPlan): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const scoped = [
    ...plan.grants,
    ...(plan.cluster ? [{ ...plan.cluster, namespace: CLUSTER_SCOPE }] : []),
    ...(plan.impersonation ? [{ ...plan.impersonation, namespace: IMPERSONATION_SCOPE }] : []),
  ];
  for (const grant of scoped) {
    const set = out.get(grant.namespace) ?? new Set<string>();
    for (const rule of grant.rules) {
      const resources = rule.resources.flatMap((res) => named(res, rule.resourceNames, grant.namespace === IMPERSONATION_SCOPE));
      for (const g of rule.apiGroups) {
        for (const r of resources) for (const v of rule.verbs) set.add(`${g}|${r}|${v}`);
      }
    }
    out.set(grant.namespace, set);
  }
  return out;
}

/** admin can hand the agent's rights to anyone; cluster-scoped kinds reach past every namespace; impersonation acts as others. */
function highlightOf(namespace: string, before: string, after: string, changed: boolean): string | undefined {
  if (namespace === CLUSTER_SCOPE) {
    return changed ? "cluster-scoped write rights change: the agent reaches past its namespaces (gitops-agent:clusterResources)" : undefined;
  }
  if (namespace === IMPERSONATION_SCOPE) {
    if (after.includes("any group") && !before.includes("any group")) return "the agent may now impersonate any group, system:masters included: it can act as cluster-admin";
    return changed ? "whom the agent may impersonate changes: kas's CI/CD tunnel sends requests as them (gitops-agent:agent.impersonation)" : undefined;
  }
  const wasAdmin = before.startsWith("admin");
  const isAdmin = after.startsWith("admin");
  if (isAdmin && !wasAdmin) return "the agent may now write Roles and RoleBindings here: a commit can hand its rights in this namespace to anyone";
  if (wasAdmin && !isAdmin) return "the agent may no longer write Roles and RoleBindings here";
  return undefined;
}

/** Triples -> one group per (apiGroup, verb set), resources merged, in a stable order. */
export function groupPermissions(triples: Iterable<string>): PermissionGroup[] {
  const verbsOf = new Map<string, Map<string, Set<string>>>(); // group -> resource -> verbs
  for (const t of triples) {
    const [group = "", resource = "", verb = ""] = t.split("|");
    const resources = verbsOf.get(group) ?? new Map<string, Set<string>>();
    resources.set(resource, (resources.get(resource) ?? new Set()).add(verb));
    verbsOf.set(group, resources);
  }
  const groups: PermissionGroup[] = [];
  for (const group of [...verbsOf.keys()].sort()) {
    const bySignature = new Map<string, { verbs: string[]; resources: string[] }>();
    for (const [resource, verbs] of verbsOf.get(group) ?? []) {
      const sorted = [...verbs].sort(byVerbOrder);
      const entry = bySignature.get(sorted.join(",")) ?? { verbs: sorted, resources: [] };
      entry.resources.push(resource);
      bySignature.set(sorted.join(","), entry);
    }
    for (const { verbs, resources } of bySignature.values()) groups.push({ apiGroup: group, resources: resources.sort(), verbs });
  }
  return groups;
}

export function diffRbac(oldPlan: RbacPlan, newPlan: RbacPlan): RbacDiff {
  const before = subjectOf(oldPlan);
  const after = subjectOf(newPlan);
  const subjectChanged = before !== "" && after !== "" && before !== after;
  const oldPerms = permissions(oldPlan);
  const newPerms = permissions(newPlan);
  const names = new Set([...oldPlan.namespaces, ...newPlan.namespaces].map((n) => n.name));
  if (oldPlan.cluster || newPlan.cluster) names.add(CLUSTER_SCOPE);
  if (oldPlan.impersonation || newPlan.impersonation) names.add(IMPERSONATION_SCOPE);
  const namespaces: NamespaceRbacChange[] = [];
  for (const namespace of [...names].sort()) {
    const was = oldPerms.get(namespace) ?? new Set<string>();
    const is = newPerms.get(namespace) ?? new Set<string>();
    // A new subject holds none of the old grants: all of them are removed and all the new ones added.
    const added = [...is].filter((t) => subjectChanged || !was.has(t));
    const removed = [...was].filter((t) => subjectChanged || !is.has(t));
    const levels = { before: levelOf(oldPlan, namespace), after: levelOf(newPlan, namespace) };
    const highlight = highlightOf(namespace, levels.before, levels.after, added.length > 0 || removed.length > 0);
    const change = {
      namespace,
      ...levels,
      added: groupPermissions(added),
      removed: groupPermissions(removed),
      ...(highlight ? { highlight } : {}),
    };
    if (change.before !== change.after || added.length > 0 || removed.length > 0) namespaces.push(change);
  }
  return { ...(subjectChanged ? { subject: { before, after } } : {}), namespaces };
}

export function isEmptyDiff(diff: RbacDiff): boolean {
  return !diff.subject && diff.namespaces.length === 0;
}
