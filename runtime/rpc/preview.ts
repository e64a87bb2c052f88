/**
 * `gitops-agent preview` (issue 18): what kas and agentk agree on. kas sends a
 * tunnel request to PREVIEW_PATH that agentk serves itself (never forwarded to
 * its apiserver): a PreviewRequest as JSON, answered with a PreviewResult (200)
 * or a PreviewRefusal (4xx/5xx). The CLI receives the same PreviewResult from
 * kas. Their parsers (preview-parse.ts) check every field and name the one that is wrong.
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
