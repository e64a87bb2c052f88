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
  readonly namespace: string;
  /** The namespace's access before and after, in words: write, read (either `+ secrets`), none, agent home, or absent. */
  readonly before: string;
  readonly after: string;
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

const VERB_ORDER: readonly string[] = [...WRITE_VERBS, ...READ_VERBS];
const byVerbOrder = (a: string, b: string): number =>
  (VERB_ORDER.indexOf(a) + 1 || 99) - (VERB_ORDER.indexOf(b) + 1 || 99) || a.localeCompare(b);

const subjectOf = (plan: RbacPlan): string =>
  plan.serviceAccount.name ? `${plan.serviceAccount.namespace}/${plan.serviceAccount.name}` : "";

function levelOf(plan: RbacPlan, namespace: string): string {
  const ns = plan.namespaces.find((n) => n.name === namespace);
  if (!ns) return "absent";
  const secrets = plan.grants.some((g) => g.namespace === namespace && g.secrets) ? " + secrets" : "";
  if (!ns.agentHome) return `${ns.access}${secrets}`;
  return ns.access === "none" ? "agent home" : `${ns.access}${secrets} + agent home`;
}

/** namespace -> set of "apiGroup|resource|verb". */
function permissions(plan: RbacPlan): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const grant of plan.grants) {
    const set = out.get(grant.namespace) ?? new Set<string>();
    for (const rule of grant.rules) {
      // A rule confined to named objects reads `configmaps[dude-agent-inventory]`: losing the names is gaining every object.
      const resources = rule.resources.flatMap((r) => (rule.resourceNames ? rule.resourceNames.map((n) => `${r}[${n}]`) : [r]));
      for (const g of rule.apiGroups) for (const r of resources) for (const v of rule.verbs) set.add(`${g}|${r}|${v}`);
    }
    out.set(grant.namespace, set);
  }
  return out;
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
  const namespaces: NamespaceRbacChange[] = [];
  for (const namespace of [...names].sort()) {
    const was = oldPerms.get(namespace) ?? new Set<string>();
    const is = newPerms.get(namespace) ?? new Set<string>();
    // A new subject holds none of the old grants: all of them are removed and all the new ones added.
    const added = [...is].filter((t) => subjectChanged || !was.has(t));
    const removed = [...was].filter((t) => subjectChanged || !is.has(t));
    const change = {
      namespace,
      before: levelOf(oldPlan, namespace),
      after: levelOf(newPlan, namespace),
      added: groupPermissions(added),
      removed: groupPermissions(removed),
    };
    if (change.before !== change.after || added.length > 0 || removed.length > 0) namespaces.push(change);
  }
  return { ...(subjectChanged ? { subject: { before, after } } : {}), namespaces };
}

export function isEmptyDiff(diff: RbacDiff): boolean {
  return !diff.subject && diff.namespaces.length === 0;
}
