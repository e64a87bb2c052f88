/**
 * Object references and their inventory key, in cli-utils' format
 * (sigs.k8s.io/cli-utils/pkg/object ObjMetadata.String), so that an inventory
 * written by GitLab's agentk or kpt reads the same here.
 */
import type { ObjRef } from "./types";

const SEPARATOR = "_";
/** RBAC names may contain ":" (`system:auth-delegator`), which a ConfigMap key may not. */
const COLON_TRANSCODED = "__";
const RBAC_GROUP = "rbac.authorization.k8s.io";
const RBAC_KINDS: ReadonlySet<string> = new Set(["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"]);

export function refOf(obj: { readonly group: string; readonly kind: string; readonly name: string; readonly namespace?: string }): ObjRef {
  return { group: obj.group, kind: obj.kind, namespace: obj.namespace ?? "", name: obj.name };
}

/** `<namespace>_<name>_<group>_<kind>`, e.g. `dude_web_apps_Deployment` or `_admin_rbac.authorization.k8s.io_ClusterRole`. */
export function objRefKey(ref: ObjRef): string {
  const name = ref.group === RBAC_GROUP && RBAC_KINDS.has(ref.kind) ? ref.name.replaceAll(":", COLON_TRANSCODED) : ref.name;
  return [ref.namespace, name, ref.group, ref.kind].join(SEPARATOR);
}

/** The inverse of objRefKey (cli-utils' ParseObjMetadata), or why `key` is not one. */
export function parseObjRefKey(key: string): ObjRef | { readonly error: string } {
  const expected = `expected <namespace>_<name>_<group>_<kind>, found ${JSON.stringify(key)}`;
  const first = key.indexOf(SEPARATOR);
  const last = key.lastIndexOf(SEPARATOR);
  const beforeLast = last < 0 ? -1 : key.lastIndexOf(SEPARATOR, last - 1);
  if (first < 0 || beforeLast <= first) return { error: expected };
  const name = key.slice(first + 1, beforeLast).replaceAll(COLON_TRANSCODED, ":");
  const kind = key.slice(last + 1);
  if (name === "" || kind === "" || name.includes(SEPARATOR)) return { error: expected };
  return { namespace: key.slice(0, first), name, group: key.slice(beforeLast + 1, last), kind };
}

/** Distinct refs sorted by key: the deterministic form of a set of refs. */
export function refSet(refs: Iterable<ObjRef>): ObjRef[] {
  const byKey = new Map<string, ObjRef>();
  for (const r of refs) byKey.set(objRefKey(r), refOf(r));
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
}
