/**
 * What of an object a person can change, without what the system changes on
 * its own (status, resourceVersion, managedFields...): a status update by a
 * controller is not drift; an edit of spec, data or labels is.
 */
export function fingerprint(obj: unknown): string {
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
