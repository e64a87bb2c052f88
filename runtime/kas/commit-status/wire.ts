/**
 * `GET /.kas/v1/commit_status?commit=<sha>[&project=<path>]` on kas's
 * Kubernetes API listener: where the agent named by the CI credential is with
 * a commit. One module for both sides: kas builds the answer (and its 404),
 * `gitops-agent wait` reads it. The commit counts as applied when the agent
 * reported it or a later commit that contains it (kas sends only the newest
 * commit, so intermediate ones may never be synced on their own).
 */

export const KAS_COMMIT_STATUS_PATH = "/.kas/v1/commit_status";

export const COMMIT_STATES = ["pending", "in_progress", "succeeded", "failed"] as const;
export type CommitState = (typeof COMMIT_STATES)[number];
export type ReportedState = Exclude<CommitState, "pending">;

export interface ObjectCountsWire {
  /** Objects of the commit (pruned ones aside). */
  readonly objects: number;
  /** Applied (or unchanged): all but those whose apply failed. */
  readonly applied: number;
  readonly current: number;
  /** Applied, not Current yet, not failed. */
  readonly pending: number;
  /** Apply or prune failed, Failed, timed out, or their status could not be read. */
  readonly failed: number;
}

export interface ObjectStateWire {
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly status: string;
  readonly message: string;
}

export interface ReportedCommitWire {
  readonly commit: string;
  readonly state: ReportedState;
  readonly counts: ObjectCountsWire;
  /** The sync's error (failed only). */
  readonly error?: string;
  /** Objects not Current, the failed first; bounded. */
  readonly objects: readonly ObjectStateWire[];
  /** Objects not Current beyond `objects`. */
  readonly objects_omitted: number;
  /** When kas received the report (RFC 3339). */
  readonly updated_at: string;
}

export interface CommitStatusWire {
  readonly agent: { readonly id: string; readonly name: string };
  /** The manifest project that holds the commit. */
  readonly project: string;
  readonly commit: string;
  readonly state: CommitState;
  /** The report that answers: for `commit` itself, or for a later commit that contains it. Absent while pending. */
  readonly result?: ReportedCommitWire;
  /** While pending: the newest commit the agent reported for the project, and its state. */
  readonly latest?: { readonly commit: string; readonly state: ReportedState };
  /** The commit kas last sent the agent for the project. */
  readonly sent_commit?: string;
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A full commit SHA (SHA-1 or SHA-256), lowercase. */
const FULL_SHA = /^([0-9a-f]{40}|[0-9a-f]{64})$/;

/** The path and query for `commit` (and a project path). */
export function commitStatusPath(commit: string, project?: string): string {
  const q = new URLSearchParams({ commit });
  if (project !== undefined) q.set("project", project);
  return `${KAS_COMMIT_STATUS_PATH}?${q.toString()}`;
}

/** kas's reading of the query: the commit, lowercased, and the project if given; or what is wrong. */
export function parseCommitStatusQuery(url: string): { ok: true; commit: string; project?: string } | { ok: false; reason: string } {
  const q = new URLSearchParams(url.split("?", 2)[1] ?? "");
  const commit = (q.get("commit") ?? "").toLowerCase();
  if (!FULL_SHA.test(commit)) return { ok: false, reason: `query parameter commit is ${JSON.stringify(q.get("commit") ?? "")}; expected a full commit SHA (40 hex digits, e.g. $CI_COMMIT_SHA)` };
  const project = q.get("project");
  if (project === "") return { ok: false, reason: "query parameter project is empty; expected a manifest project path such as group/manifests, or no project parameter" };
  return { ok: true, commit, ...(project === null ? {} : { project }) };
}

/** kas's 404 for a commit it cannot place (a Kubernetes Status whose details name the commit). */
export function commitNotFound(commit: string, message: string): Record<string, unknown> {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason: "NotFound", details: { kind: "commit", name: commit }, code: 404 };
}

/** Whether a 404 body is kas's commitNotFound (not some other 404, e.g. a kas without this endpoint). */
export function isCommitNotFound(body: unknown): body is { message: string } {
  return isMap(body) && isMap(body.details) && body.details.kind === "commit" && typeof body.message === "string";
}
