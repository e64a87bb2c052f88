/**
 * What an apply changes in one object (pure): the live object against the
 * server's dry-run answer, field by field. Fields the server fills in
 * (IGNORED_PATHS: managedFields, resourceVersion, generation, uid,
 * creationTimestamp, status) would always differ and say nothing about the
 * commit, so they are left out. A Secret's values are never shown.
 */
import type { FieldChange } from "../../rpc";

/** Dotted paths whose values the server sets on every write. */
export const IGNORED_PATHS: readonly string[] = ["metadata.managedFields", "metadata.resourceVersion", "metadata.generation", "metadata.uid", "metadata.creationTimestamp", "status"];

/** What stands for a Secret's values in a diff. */
export const REDACTED = "(redacted)";

/** Field changes from `before` (live) to `after` (the dry-run result), sorted by path. */
export function diffObjects(before: unknown, after: unknown, options: { readonly redactValues?: boolean } = {}): FieldChange[] {
  const out: FieldChange[] = [];
  walk(before, after, "", out);
  const kept = out.filter((c) => !IGNORED_PATHS.some((p) => c.path === p || c.path.startsWith(`${p}.`) || c.path.startsWith(`${p}[`)));
  const shown = options.redactValues ? kept.map(redact) : kept;
  return shown.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Whether a Secret (whose data, stringData and values must not leave the cluster). */
export function isSecret(group: string, kind: string): boolean {
  return group === "" && kind === "Secret";
}

function redact(c: FieldChange): FieldChange {
  return { path: c.path, op: c.op, ...("before" in c ? { before: REDACTED } : {}), ...("after" in c ? { after: REDACTED } : {}) };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const SIMPLE_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

function join(path: string, key: string): string {
  if (SIMPLE_KEY.test(key)) return path === "" ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}

function walk(before: unknown, after: unknown, path: string, out: FieldChange[]): void {
  if (isRecord(before) && isRecord(after)) {
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
      const p = join(path, key);
      if (!(key in after)) out.push({ path: p, op: "removed", before: before[key] });
      else if (!(key in before)) out.push({ path: p, op: "added", after: after[key] });
      else walk(before[key], after[key], p, out);
    }
    return;
  }
  // Lists compared by position: a list of the same length shows which item changed.
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    before.forEach((b, i) => walk(b, after[i], `${path}[${i}]`, out));
    return;
  }
  if (!sameJson(before, after)) out.push({ path, op: "changed", before, after });
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
