import { ownedValues } from "../plan";

/**
 * What of an object drift is: with `manager`, the values of the fields it
 * owns by server-side apply and the set of those fields (ownedValues); an edit
 * of one by another client changes its value or takes it over, while a
 * controller's own fields (a Deployment's revision annotation at a rollout,
 * status) are no concern of a re-apply, which would leave them as they are.
 * Without `manager`, or while it owns nothing there, what a person can change,
 * without what the system changes on its own (status, resourceVersion,
 * managedFields...).
 */
export function fingerprint(obj: unknown, manager?: string): string {
  const owned = manager === undefined ? undefined : ownedValues(obj, manager);
  if (owned !== undefined) return JSON.stringify(sortKeys(owned));
  if (obj === null || typeof obj !== "object") return JSON.stringify(obj);
  const { status: _status, metadata, ...rest } = obj as Record<string, unknown>;
  const m = (metadata ?? {}) as Record<string, unknown>;
  const { resourceVersion: _rv, managedFields: _mf, generation: _g, uid: _u, creationTimestamp: _c, ...meta } = m;
  return JSON.stringify(sortKeys({ ...rest, metadata: meta }));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v === null || typeof v !== "object") return v;
  return Object.fromEntries(
    Object.keys(v as Record<string, unknown>)
      .sort()
      .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
  );
}
