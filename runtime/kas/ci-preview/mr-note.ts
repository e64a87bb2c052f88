/**
 * Posts the preview as a merge request note through GitLab's REST API
 * (POST /projects/:id/merge_requests/:iid/notes, "Notes API"), with the
 * predefined CI variables of a merge request pipeline and a token from the
 * environment sent as PRIVATE-TOKEN. The token is never part of a message.
 */
export interface NoteTarget {
  /** $CI_API_V4_URL, e.g. https://gitlab.example.com/api/v4. */
  readonly apiUrl: string;
  /** $CI_PROJECT_ID. */
  readonly projectId: string;
  /** $CI_MERGE_REQUEST_IID. */
  readonly mergeRequestIid: string;
  readonly token: string;
}

export const NOTE_VARIABLES = ["CI_API_V4_URL", "CI_PROJECT_ID", "CI_MERGE_REQUEST_IID"] as const;

/** Where the note goes, or what is missing (in words). */
export function noteTarget(env: NodeJS.ProcessEnv, tokenEnv: string): { ok: NoteTarget } | { missing: string } {
  const absent = NOTE_VARIABLES.filter((v) => !env[v]);
  if (absent.length > 0) return { missing: `$${absent.join(", $")} ${absent.length === 1 ? "is" : "are"} not set: not a merge request pipeline (rules: if: $CI_PIPELINE_SOURCE == "merge_request_event")` };
  const token = env[tokenEnv]?.trim();
  if (!token) return { missing: `$${tokenEnv} is empty: expected a GitLab token with scope api that may comment on the merge request` };
  return { ok: { apiUrl: env.CI_API_V4_URL as string, projectId: env.CI_PROJECT_ID as string, mergeRequestIid: env.CI_MERGE_REQUEST_IID as string, token } };
}

export function noteUrl(t: Omit<NoteTarget, "token">): string {
  return `${t.apiUrl.replace(/\/+$/, "")}/projects/${encodeURIComponent(t.projectId)}/merge_requests/${encodeURIComponent(t.mergeRequestIid)}/notes`;
}

/** Posts `body`; rejects with GitLab's status and message. */
export async function postNote(t: NoteTarget, body: string, timeoutMs = 15_000): Promise<void> {
  const url = noteUrl(t);
  let res: Response;
  try {
    res = await fetch(url, { method: "POST", headers: { "PRIVATE-TOKEN": t.token, "content-type": "application/json" }, body: JSON.stringify({ body }), signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new Error(`cannot reach GitLab at ${new URL(url).origin} to post the note: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (res.ok) return;
  const text = (await res.text()).slice(0, 300).trim();
  throw new Error(`GitLab refused the merge request note: ${res.status} ${text || res.statusText}${res.status === 401 || res.status === 403 ? " (does the token have scope api and access to the project?)" : ""}`);
}
