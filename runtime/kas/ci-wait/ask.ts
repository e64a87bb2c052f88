/**
 * One question to kas: `GET /.kas/v1/commit_status` with the agent's CI
 * credential. The answer sorted for the wait loop: an answer, a commit kas
 * cannot place (yet), a refusal (no use asking again) or a failure that may
 * pass (kas restarting, the network). The token is never in a message.
 */
import { commitStatusPath, isCommitNotFound, parseCommitStatus, type CommitStatusWire } from "../commit-status";
import { kasRefusal, kasRequest, kasUrl } from "../ci-kubeconfig";

export type Poll =
  | { readonly kind: "answer"; readonly answer: CommitStatusWire }
  | { readonly kind: "not-found"; readonly message: string }
  | { readonly kind: "refused"; readonly message: string }
  | { readonly kind: "error"; readonly message: string };

export interface AskOptions {
  readonly kas: string;
  readonly caPem?: string;
  readonly agentId: string;
  readonly token: string;
  readonly commit: string;
  readonly project?: string;
  readonly timeoutMs?: number;
}

/** Status codes worth asking again after. */
const PASSING = new Set([429, 500, 502, 503, 504]);

export async function askCommitStatus(o: AskOptions): Promise<Poll> {
  const path = commitStatusPath(o.commit, o.project);
  let status: number;
  let body: string;
  try {
    ({ status, body } = await kasRequest({ kas: o.kas, path, authorization: `Bearer ci:${o.agentId}:${o.token}`, ...(o.caPem === undefined ? {} : { caPem: o.caPem }), ...(o.timeoutMs === undefined ? {} : { timeoutMs: o.timeoutMs }) }));
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // An untrusted certificate does not get better.
    return { kind: message.includes("certificate is not trusted") ? "refused" : "error", message };
  }
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    json = undefined;
  }
  if (status === 200) {
    const parsed = parseCommitStatus(json);
    return parsed.ok ? { kind: "answer", answer: parsed.value } : { kind: "refused", message: `kas at ${kasUrl(o.kas, path).origin}: unexpected commit_status answer: ${parsed.reason}` };
  }
  if (status === 404 && isCommitNotFound(json)) return { kind: "not-found", message: json.message };
  return { kind: PASSING.has(status) ? "error" : "refused", message: kasRefusal(status, body, "commit_status") };
}
