/**
 * Reading metadata.managedFields (pure): which fields a field manager owns
 * by server-side apply, as a fieldsV1 tree, and the values there. Lists are
 * read from the tree itself (no schema): `k:{...}` children key a merge list
 * (containers, env, ports), `v:...` a set, `i:N` a position, none an atomic
 * list or map.
 */
import { isRecord } from "./fields";

/** A fieldsV1 tree: `f:name`, `k:{json}`, `v:json`, `i:N` and `.` keys, each to its subtree. */
export type FieldsV1 = { readonly [key: string]: FieldsV1 };

export interface ManagedFieldsEntry {
  readonly manager?: string;
  readonly operation?: string;
  readonly apiVersion?: string;
  readonly subresource?: string;
  readonly fieldsType?: string;
  readonly fieldsV1?: FieldsV1;
}

/** `manager`'s Apply entry on the main resource (not a subresource), or undefined when it owns nothing. */
export function appliedFields(obj: unknown, manager: string): ManagedFieldsEntry | undefined {
  const metadata = isRecord(obj) ? obj.metadata : undefined;
  const entries = isRecord(metadata) ? metadata.managedFields : undefined;
  if (!Array.isArray(entries)) return undefined;
  return (entries as readonly ManagedFieldsEntry[]).find((e) => e.manager === manager && e.operation === "Apply" && !e.subresource && e.fieldsType === "FieldsV1");
}

/** Whether a list element is the one a `k:`, `v:` or `i:` key names; `keyFields`: the names a `k:` key holds. */
export type ElementMatcher = ((element: unknown, index: number) => boolean) & { readonly keyFields?: readonly string[] };

/**
 * The matcher of a list child key, or undefined for a key that is not one.
 * A `k:` key field the element leaves out matches (the server defaults key
 * fields, a port's protocol); at least one key field must be given.
 */
export function elementMatcher(child: string): ElementMatcher | undefined {
  // The same few keys (k:{"name":"app"}) come in every object of a sync: parse each once.
  let memo = matchers.get(child);
  if (memo === undefined) {
    if (matchers.size >= MAX_MATCHERS) matchers.clear();
    memo = { matcher: parseMatcher(child) };
    matchers.set(child, memo);
  }
  return memo.matcher;
}

const matchers = new Map<string, { readonly matcher: ElementMatcher | undefined }>();
const MAX_MATCHERS = 10_000;

function parseMatcher(child: string): ElementMatcher | undefined {
  const body = child.slice(2);
  if (child.startsWith("i:")) {
    const n = Number(body);
    return Number.isInteger(n) ? (_el, i) => i === n : undefined;
  }
  if (child.startsWith("v:")) {
    const value = parseJson(body);
    return value === undefined ? undefined : (el) => sameJson(el, value);
  }
  if (!child.startsWith("k:")) return undefined;
  const key = parseJson(body);
  if (!isRecord(key)) return undefined;
  const keyFields = Object.keys(key);
  const matcher = (el: unknown): boolean => {
    if (!isRecord(el)) return false;
    const given = keyFields.filter((k) => el[k] !== undefined && el[k] !== null);
    return given.length > 0 && given.every((k) => sameJson(el[k], key[k]));
  };
  return Object.assign(matcher, { keyFields });
}

/** Marks a field owned but missing from the object. */
const ABSENT = "\u0000absent";

/**
 * The values at the fields `manager` owns by Apply, in the shape of its
 * fieldsV1 tree (so the set of owned fields is part of it), or undefined when
 * it owns none. Two objects give the same projection when nothing `manager`
 * applied was changed or taken over by another manager.
 */
export function ownedValues(obj: unknown, manager: string): unknown {
  const fields = appliedFields(obj, manager)?.fieldsV1;
  return fields ? project(fields, obj) : undefined;
}

function project(owned: FieldsV1, value: unknown): unknown {
  const children = Object.keys(owned).filter((k) => k !== ".");
  if (children.length === 0) return value === undefined ? ABSENT : value;
  const out: Record<string, unknown> = {};
  for (const child of children.sort()) {
    let v: unknown;
    if (child.startsWith("f:")) {
      v = isRecord(value) ? value[child.slice(2)] : undefined;
    } else {
      const matches = elementMatcher(child);
      v = matches && Array.isArray(value) ? value.find((el: unknown, i) => matches(el, i)) : undefined;
    }
    out[child] = project(owned[child]!, v);
  }
  return out;
}

/** Structural equality of JSON values (no prototypes compared: YAML and JSON decoders make plain objects of their own). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, i) => sameJson(v, b[i]));
  if (!isRecord(a) || !isRecord(b)) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && sameJson(a[k], b[k]));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
