/**
 * Whether the fields our field manager owns in a live object (its Apply
 * entry of metadata.managedFields, fieldsV1) are exactly the fields a
 * manifest sets (pure). A server-side apply removes the fields we owned and
 * no longer send, so when they differ the apply is not a no-op, even if every
 * value the manifest sets is already live (a key deleted from Git).
 *
 * There is no schema here, so list types are read from the fieldsV1 tree
 * itself: `k:{...}` children (merge-keyed lists: containers, env, ports),
 * `v:...` (sets), `i:N` (positions), no children (atomic). Whatever cannot be
 * matched one to one counts as different: an apply too many, never a wrong skip.
 */
import { appliedFields, elementMatcher, sameJson, type ElementMatcher, type FieldsV1 } from "../plan";

/** Fields the apiserver never records in managedFields (fieldmanager's stripped set). */
const UNTRACKED_TOP = new Set(["apiVersion", "kind"]);
const UNTRACKED_METADATA = new Set(["name", "namespace", "creationTimestamp", "selfLink", "uid", "generation", "managedFields", "resourceVersion"]);

/**
 * True when `manager` owns (by Apply, in the manifest's apiVersion) exactly
 * the fields `desired` sets: nothing more (a field left out of Git) and
 * nothing less (a field it never took ownership of).
 */
export function ownsExactly(desired: unknown, live: unknown, manager: string): boolean {
  const entry = appliedFields(live, manager);
  const d = asObject(desired);
  if (!entry?.fieldsV1 || !d || entry.apiVersion !== d.apiVersion) return false;
  const top = omit(d, UNTRACKED_TOP);
  const meta = asObject(d.metadata);
  const tracked = meta ? { ...top, metadata: omit(meta, UNTRACKED_METADATA) } : top;
  if (asObject(tracked.metadata) && Object.keys(tracked.metadata as object).length === 0) delete tracked.metadata;
  return sameFields(entry.fieldsV1, tracked, live, new Set());
}

/**
 * `owned` is the subtree for `desired` (and `live`, the live value there).
 * `keyFields` are the names of the list key the parent matched on: the server
 * defaults them (a port's protocol), so the manifest may leave them out.
 */
function sameFields(owned: FieldsV1, desired: unknown, live: unknown, keyFields: ReadonlySet<string>): boolean {
  const children = Object.keys(owned).filter((k) => k !== ".");
  if (Array.isArray(desired)) return children.length === 0 || sameListFields(owned, children, desired, Array.isArray(live) ? live : []);
  const d = asObject(desired);
  if (!d) return children.length === 0;
  const l = asObject(live);
  // An atomic map or struct (a selector) is owned as one leaf: the same only if it is exactly the live value.
  if (children.length === 0) return sameJson(withoutNulls(d), live ?? {});
  // An empty map or list we do not own holds no field an apply could add or remove.
  const set = Object.keys(d).filter((k) => d[k] !== null && !isEmpty(d[k]));
  if (!set.every((k) => Object.hasOwn(owned, `f:${k}`))) return false;
  return children.every((child) => {
    if (!child.startsWith("f:")) return false;
    const name = child.slice(2);
    const value = d[name];
    if (value === undefined || value === null) return keyFields.has(name) && Object.keys(owned[child]!).length === 0;
    return sameFields(owned[child]!, value, l?.[name], new Set());
  });
}

function sameListFields(owned: FieldsV1, children: readonly string[], desired: readonly unknown[], live: readonly unknown[]): boolean {
  const matchers: (ElementMatcher | undefined)[] = children.map((c) => elementMatcher(c));
  if (matchers.some((m) => m === undefined)) return false;
  // One to one: every element matched by exactly one owned entry, every entry by exactly one element.
  const byElement = desired.map((el, i) => matchers.flatMap((m, j) => (m!(el, i) ? [j] : [])));
  if (byElement.some((js) => js.length !== 1)) return false;
  const hits = new Set(byElement.map((js) => js[0]!));
  if (hits.size !== children.length) return false;
  return desired.every((el, i) => {
    const j = byElement[i]![0]!;
    const child = children[j]!;
    const liveEl = child.startsWith("i:") ? live[i] : live.find((l, li) => matchers[j]!(l, li));
    return child.startsWith("v:") || sameFields(owned[child]!, el, liveEl, new Set(matchers[j]!.keyFields));
  });
}

function asObject(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function isEmpty(v: unknown): boolean {
  return Array.isArray(v) ? v.length === 0 : asObject(v) !== undefined && Object.keys(v as object).length === 0;
}

function withoutNulls(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null));
}

function omit(o: Record<string, unknown>, keys: ReadonlySet<string>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([k]) => !keys.has(k)));
}
