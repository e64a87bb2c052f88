/**
 * Reading API objects as plain JSON, and refusing what the runner does not
 * emulate: every field it does not know fails, naming the object and the
 * field, so a test never passes on a spec that a kubelet would run otherwise.
 */
export type Obj = Record<string, unknown>;

export class UnsupportedField extends Error {
  constructor(where: string, detail: string) {
    super(`${where}: ${detail} (test/deployed runs a pod's container as a local process; see test/deployed/README.md)`);
  }
}

export function obj(v: unknown): Obj {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {};
}

export function list(v: unknown): Obj[] {
  return Array.isArray(v) ? v.map(obj) : [];
}

export function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

export function num(v: unknown): number | undefined {
  return typeof v === "number" ? v : undefined;
}

/** Fails on any key of `o` outside `allowed` (keys whose value is null, false or an empty list count as absent). */
export function onlyKeys(o: Obj, where: string, allowed: readonly string[]): void {
  for (const [key, value] of Object.entries(o)) {
    if (allowed.includes(key) || value === null || value === false || (Array.isArray(value) && value.length === 0)) continue;
    throw new UnsupportedField(`${where}.${key}`, `field not supported (value ${JSON.stringify(value).slice(0, 120)})`);
  }
}

/** Fails unless o[key] is absent or one of `values`. */
export function onlyValues(o: Obj, where: string, key: string, values: readonly unknown[]): void {
  const v = o[key];
  if (v === undefined || values.includes(v)) return;
  throw new UnsupportedField(`${where}.${key}`, `only ${values.map((x) => JSON.stringify(x)).join(" or ")} is supported, got ${JSON.stringify(v)}`);
}

/** Paths the runner passes to mount(8) and the shell: plain characters only. */
export function safePath(p: string, where: string): string {
  if (!/^\/[A-Za-z0-9._/@+-]*$/.test(p) || p.split("/").includes("..")) throw new UnsupportedField(where, `path ${JSON.stringify(p)} has characters the runner does not pass to mount`);
  return p;
}
