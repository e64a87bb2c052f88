/**
 * `gitops-agent preview` (issue 18): what kas and agentk agree on. kas sends a
 * tunnel request to PREVIEW_PATH that agentk serves itself (never forwarded to
 * its apiserver): a PreviewRequest as JSON, answered with a PreviewResult (200)
 * or a PreviewRefusal (4xx/5xx). The CLI receives the same PreviewResult from
 * kas. Parsers check every field and name the one that is wrong.
 */

/** The tunnel request path agentk answers itself; nothing under /.agentk/ goes to the apiserver. */
export const PREVIEW_PATH = "/.agentk/v1/preview";
/** Paths agentk never forwards. */
export const AGENTK_OWN_PREFIX = "/.agentk/";

/**
 * Whether agentk answers `path` (a tunnel request's path, query included)
 * itself. kas's Kubernetes API proxy refuses such paths with the same test:
 * a kubectl user must not reach them (a preview runs as the agent, whatever
 * identity the user's ci_access names).
 */
export function isAgentkOwnPath(path: string): boolean {
  return path.startsWith(AGENTK_OWN_PREFIX);
}
/** Request body bytes agentk accepts: a commit's files (LIMITS.totalBytes) in base64 plus JSON framing. */
export const PREVIEW_MAX_REQUEST_BYTES = 32 * 1024 * 1024;
/** Answer bytes kas accepts from agentk (and the CLI from kas). */
export const PREVIEW_MAX_RESULT_BYTES = 4 * 1024 * 1024;

export interface PreviewFile {
  /** Path in the repository. */
  readonly source: string;
  /** The file's bytes, base64. */
  readonly data: string;
}

export interface PreviewRequest {
  readonly project_id: string;
  readonly commit_id: string;
  readonly files: readonly PreviewFile[];
}

export interface PreviewRef {
  readonly group: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

export type FieldChangeOp = "added" | "changed" | "removed";

export interface FieldChange {
  /** Dotted path, e.g. `data.b` or `spec.template.spec.containers[0].image`. */
  readonly path: string;
  readonly op: FieldChangeOp;
  readonly before?: unknown;
  readonly after?: unknown;
}

/**
 * What the real apply would do to one object: `forbidden` (the apiserver's
 * 403), `invalid` (the apiserver or the agent refuses the object: schema,
 * unknown kind, not ours by inventory_policy) and `out_of_scope` (the agent's
 * scope refuses it) are failures the apply would hit.
 */
export type PreviewAction = "create" | "change" | "unchanged" | "forbidden" | "invalid" | "out_of_scope";
export const PREVIEW_ACTIONS: readonly PreviewAction[] = ["create", "change", "unchanged", "forbidden", "invalid", "out_of_scope"];
export const FAILING_ACTIONS: readonly PreviewAction[] = ["forbidden", "invalid", "out_of_scope"];

export interface PreviewObject {
  readonly ref: PreviewRef;
  readonly action: PreviewAction;
  /** Why, for the failing actions. */
  readonly message?: string;
  /** For `change`. */
  readonly changes?: readonly FieldChange[];
}

/** An RBAC object the commit adds, or whose rules or subjects it widens. */
export interface RbacChange {
  readonly ref: PreviewRef;
  readonly created: boolean;
  /** Rules the commit adds (Role, ClusterRole). */
  readonly rules: readonly unknown[];
  /** Subjects the commit adds (RoleBinding, ClusterRoleBinding). */
  readonly subjects: readonly unknown[];
  /** The roleRef, for a binding that is created or whose roleRef changes. */
  readonly roleRef?: unknown;
}

export interface PreviewResult {
  readonly project_id: string;
  readonly commit_id: string;
  /** The whole commit is refused before any object (parse errors, namespaces). */
  readonly rejected?: readonly string[];
  readonly objects: readonly PreviewObject[];
  /** What prune would delete; empty when prune is off. */
  readonly prune: { readonly enabled: boolean; readonly objects: readonly PreviewRef[] };
  readonly rbac: readonly RbacChange[];
}

/** agentk's (or kas's) refusal of a preview, in words. */
export interface PreviewRefusal {
  readonly refused: string;
}

type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

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
    const rejected = o.rejected === undefined ? undefined : arr(o, "rejected", "body").map((e, i) => (typeof e === "string" ? e : String(i)));
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

/** Whether the real apply would fail on anything the preview shows. */
export function previewFails(r: PreviewResult): boolean {
  return (r.rejected?.length ?? 0) > 0 || r.objects.some((o) => FAILING_ACTIONS.includes(o.action));
}

/** kas's endpoint for the CLI, on its Kubernetes API listener. */
export const KAS_PREVIEW_PATH = "/.kas/v1/preview";
/** Bytes of CLI request body kas reads. */
export const KAS_PREVIEW_MAX_REQUEST_BYTES = 16 * 1024;

/** What the CLI asks kas: a commit of a project (default: the agent's configuration project). */
export interface KasPreviewRequest {
  /** A commit SHA (full or abbreviated). */
  readonly commit: string;
  readonly project?: string;
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
