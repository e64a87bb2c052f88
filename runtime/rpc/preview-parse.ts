/** Parsers of the preview's wire shapes (preview.ts), shared by kas, agentk and the CLI: each names the field that is wrong. */
import { PREVIEW_ACTIONS, type FieldChange, type FieldChangeOp, type KasPreviewRequest, type PreviewAction, type PreviewObject, type PreviewRef, type PreviewRequest, type PreviewResult } from "./preview";

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (o: Record<string, unknown>, key: string, where: string): string => {
  const v = o[key];
  if (typeof v !== "string") throw new Error(`${where}.${key}: expected a string, got ${JSON.stringify(v) ?? "undefined"}`);
  return v;
};
const arr = (o: Record<string, unknown>, key: string, where: string): unknown[] => {
  const v = o[key];
  if (!Array.isArray(v)) throw new Error(`${where}.${key}: expected an array`);
  return v;
};
const rec = (v: unknown, where: string): Record<string, unknown> => {
  if (!isRecord(v)) throw new Error(`${where}: expected an object`);
  return v;
};

function guarded<T>(what: string, f: () => T): Parsed<T> {
  try {
    return { ok: true, value: f() };
  } catch (err) {
    return { ok: false, reason: `${what}: ${err instanceof Error ? err.message : String(err)}` };
  }
}

export function parsePreviewRequest(json: unknown): Parsed<PreviewRequest> {
  return guarded("preview request", () => {
    const o = rec(json, "body");
    const files = arr(o, "files", "body").map((f, i) => {
      const r = rec(f, `files[${i}]`);
      return { source: str(r, "source", `files[${i}]`), data: str(r, "data", `files[${i}]`) };
    });
    return { project_id: str(o, "project_id", "body"), commit_id: str(o, "commit_id", "body"), files };
  });
}

function parseRef(v: unknown, where: string): PreviewRef {
  const r = rec(v, where);
  const ns = r.namespace;
  if (ns !== undefined && typeof ns !== "string") throw new Error(`${where}.namespace: expected a string`);
  return { group: str(r, "group", where), kind: str(r, "kind", where), name: str(r, "name", where), ...(ns === undefined ? {} : { namespace: ns }) };
}

function parseObject(v: unknown, where: string): PreviewObject {
  const r = rec(v, where);
  const action = str(r, "action", where) as PreviewAction;
  if (!PREVIEW_ACTIONS.includes(action)) throw new Error(`${where}.action: ${JSON.stringify(action)}; expected one of ${PREVIEW_ACTIONS.join(", ")}`);
  const changes = r.changes === undefined ? undefined : arr(r, "changes", where).map((c, i) => parseChange(c, `${where}.changes[${i}]`));
  const message = r.message === undefined ? undefined : str(r, "message", where);
  return { ref: parseRef(r.ref, `${where}.ref`), action, ...(message === undefined ? {} : { message }), ...(changes === undefined ? {} : { changes }) };
}

function parseChange(v: unknown, where: string): FieldChange {
  const r = rec(v, where);
  const op = str(r, "op", where) as FieldChangeOp;
  if (!["added", "changed", "removed"].includes(op)) throw new Error(`${where}.op: ${JSON.stringify(op)}; expected added, changed or removed`);
  return { path: str(r, "path", where), op, ...("before" in r ? { before: r.before } : {}), ...("after" in r ? { after: r.after } : {}) };
}

export function parsePreviewResult(json: unknown): Parsed<PreviewResult> {
  return guarded("preview result", () => {
    const o = rec(json, "body");
    const prune = rec(o.prune, "body.prune");
    if (typeof prune.enabled !== "boolean") throw new Error("body.prune.enabled: expected a boolean");
    const rejected = o.rejected === undefined ? undefined : arr(o, "rejected", "body").map((e, i) => {
          if (typeof e !== "string") throw new Error(`body.rejected[${i}]: expected a string`);
          return e;
        });
    return {
      project_id: str(o, "project_id", "body"),
      commit_id: str(o, "commit_id", "body"),
      ...(rejected === undefined ? {} : { rejected }),
      objects: arr(o, "objects", "body").map((x, i) => parseObject(x, `objects[${i}]`)),
      prune: { enabled: prune.enabled, objects: arr(prune, "objects", "body.prune").map((x, i) => parseRef(x, `prune.objects[${i}]`)) },
      rbac: arr(o, "rbac", "body").map((x, i) => {
        const r = rec(x, `rbac[${i}]`);
        return { ref: parseRef(r.ref, `rbac[${i}].ref`), created: r.created === true, rules: arr(r, "rules", `rbac[${i}]`), subjects: arr(r, "subjects", `rbac[${i}]`), ...("roleRef" in r ? { roleRef: r.roleRef } : {}) };
      }),
    };
  });
}

/** The refusal's words from an error answer's body, else undefined. */
export function parsePreviewRefusal(json: unknown): string | undefined {
  return isRecord(json) && typeof json.refused === "string" ? json.refused : undefined;
}

export function parseKasPreviewRequest(json: unknown): Parsed<KasPreviewRequest> {
  return guarded("preview request", () => {
    const o = rec(json, "body");
    const commit = str(o, "commit", "body");
    if (!/^[0-9a-f]{4,40}$/.test(commit)) throw new Error(`body.commit: ${JSON.stringify(commit)}; expected a commit SHA (4 to 40 lowercase hex digits)`);
    const project = o.project === undefined || o.project === null ? undefined : str(o, "project", "body");
    return { commit, ...(project === undefined || project === "" ? {} : { project }) };
  });
}
