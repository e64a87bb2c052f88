/** Safe reads of untyped Kubernetes objects (decoded YAML/JSON or API responses). */

export type UnknownRecord = Readonly<Record<string, unknown>>;

export function isRecord(value: unknown): value is UnknownRecord {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `a string`, `a sequence`, ...: what was found, for error messages. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value)) return "a sequence";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "number" || typeof value === "bigint") return "a number";
  return `a ${typeof value}`;
}

/** The value at `path` (keys of nested mappings), or undefined. */
export function valueAt(obj: unknown, path: readonly string[]): unknown {
  let node: unknown = obj;
  for (const key of path) {
    if (!isRecord(node)) return undefined;
    node = node[key];
  }
  return node;
}

/** A string at `path`, or `fallback` when absent or not a string (kstatus' GetStringField). */
export function stringAt(obj: unknown, path: readonly string[], fallback: string): string {
  const v = valueAt(obj, path);
  return typeof v === "string" ? v : fallback;
}

/** An integer at `path`, or `fallback` when absent or not an integer (kstatus' GetIntField). */
export function intAt(obj: unknown, path: readonly string[], fallback: number): number {
  const v = valueAt(obj, path);
  return typeof v === "number" && Number.isInteger(v) ? v : fallback;
}

/** A string-valued entry of `metadata.annotations` (or labels), if any. */
export function metadataEntry(obj: unknown, map: "annotations" | "labels", key: string): string | undefined {
  const v = valueAt(obj, ["metadata", map, key]);
  return typeof v === "string" ? v : undefined;
}

/** Freezes a decoded document in place so that no step can alter what the user wrote. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * A copy of `body` with `metadata[field][key] = value` (or `metadata[field] = value`
 * when key is undefined). Only the changed path is copied; the rest is shared,
 * which is safe because bodies are frozen.
 */
export function withMetadata(body: UnknownRecord, field: string, key: string | undefined, value: string): UnknownRecord {
  const metadata = isRecord(body.metadata) ? body.metadata : {};
  const inner = key === undefined ? value : { ...(isRecord(metadata[field]) ? metadata[field] : {}), [key]: value };
  return deepFreeze({ ...body, metadata: { ...metadata, [field]: inner } });
}

/** kubectl's GroupKind string: `Deployment.apps`, or `Secret` for the core group. */
export function groupKind(group: string, kind: string): string {
  return group === "" ? kind : `${kind}.${group}`;
}

/** `ClusterRole/x`, or `Deployment/web in namespace dude`: how messages name an object. */
export function describeObject(obj: { readonly kind: string; readonly name: string; readonly namespace?: string }): string {
  return obj.namespace ? `${obj.kind}/${obj.name} in namespace ${obj.namespace}` : `${obj.kind}/${obj.name}`;
}
