/**
 * RBAC a commit adds or widens (pure): a Role or ClusterRole created or given
 * rules it did not have, a RoleBinding or ClusterRoleBinding created, given
 * new subjects or pointed at another role. A rule or subject counts as added
 * unless the live object has one equal to it (a rule split or reworded shows
 * as added: the reviewer reads it either way).
 */
import type { PreviewRef, RbacChange } from "../../rpc";

export const RBAC_GROUP = "rbac.authorization.k8s.io";
const ROLE_KINDS = new Set(["Role", "ClusterRole"]);
const BINDING_KINDS = new Set(["RoleBinding", "ClusterRoleBinding"]);

export function isRbac(ref: Pick<PreviewRef, "group" | "kind">): boolean {
  return ref.group === RBAC_GROUP && (ROLE_KINDS.has(ref.kind) || BINDING_KINDS.has(ref.kind));
}

const list = (o: unknown, key: string): unknown[] => {
  const v = typeof o === "object" && o !== null ? (o as Record<string, unknown>)[key] : undefined;
  return Array.isArray(v) ? v : [];
};
const field = (o: unknown, key: string): unknown => (typeof o === "object" && o !== null ? (o as Record<string, unknown>)[key] : undefined);

/** Stable JSON: keys sorted, so two equal rules compare equal however the server ordered them. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (typeof v === "object" && v !== null) {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v);
}

const added = (after: unknown[], before: unknown[]): unknown[] => {
  const had = new Set(before.map(canonical));
  return after.filter((x) => !had.has(canonical(x)));
};

/**
 * The RBAC change of `ref` from `live` (undefined: not there) to `after` (the
 * object as the apply leaves it), or undefined when it widens nothing.
 */
export function rbacChange(ref: PreviewRef, live: unknown, after: unknown): RbacChange | undefined {
  if (!isRbac(ref)) return undefined;
  const created = live === undefined;
  const rules = ROLE_KINDS.has(ref.kind) ? added(list(after, "rules"), list(live, "rules")) : [];
  const subjects = BINDING_KINDS.has(ref.kind) ? added(list(after, "subjects"), list(live, "subjects")) : [];
  const roleRef = field(after, "roleRef");
  const roleRefChanged = BINDING_KINDS.has(ref.kind) && roleRef !== undefined && canonical(roleRef) !== canonical(field(live, "roleRef"));
  // A ClusterRole's aggregationRule gathers rules from other roles: a new or changed one widens it too.
  const aggregation = ref.kind === "ClusterRole" && canonical(field(after, "aggregationRule")) !== canonical(field(live, "aggregationRule")) ? [{ aggregationRule: field(after, "aggregationRule") }] : [];
  if (!created && rules.length === 0 && subjects.length === 0 && !roleRefChanged && aggregation.length === 0) return undefined;
  return { ref, created, rules: [...rules, ...aggregation], subjects, ...(roleRefChanged ? { roleRef } : {}) };
}
