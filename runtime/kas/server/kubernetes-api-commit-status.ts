/**
 * `GET /.kas/v1/commit_status?commit=<sha>[&project=<path>]` on kas's
 * Kubernetes API listener (`gitops-agent wait`): where the agent the CI
 * credential names (`Bearer ci:<agent id>:<token>`, checked against its
 * ci_access as the proxy checks it) is with the commit. Answered from what
 * kas holds (the agent's reports, its Git repositories as fetched), never by
 * asking the agent; commit-answer.ts decides. Refusals are Kubernetes Status
 * bodies; a commit kas cannot place is a 404 naming it. The token is never logged.
 */
import type * as http from "node:http";
import { F, type Logger } from "../../common";
import { commitNotFound, KAS_COMMIT_STATUS_PATH, parseCommitStatusQuery } from "../commit-status";
import { authorizeRequest, logDenial, refusalReason, type CiRequestAuthOptions } from "../kubeapi-auth";
import type { SharedState } from "../shared";
import { answerCommitStatus, type CommitAncestry } from "./commit-answer";
import { sendRefusal } from "./kubernetes-api-status";

export interface CommitStatusSources {
  /** Each agent's reported commits, the projects it follows and the commit kas last sent it: as every replica shares them. */
  readonly shared: Pick<SharedState, "commits">;
  readonly git: CommitAncestry;
}

export interface CommitStatusDeps extends CommitStatusSources {
  readonly auth: CiRequestAuthOptions;
  readonly logger: Logger;
}

const refuse = (res: http.ServerResponse, code: number, reason: string, message: string): void => sendRefusal(res, { code, reason, message }, KAS_COMMIT_STATUS_PATH);

/** Set when Redis (kas.yaml `redis`) is away: the answer is this replica's own, reports other replicas received are missing. */
export const SHARED_STATE_HEADER = "x-kas-shared-state";

const json = (res: http.ServerResponse, code: number, value: unknown, partial = false): void => {
  const body = JSON.stringify(value);
  res.writeHead(code, { "content-type": "application/json", "content-length": Buffer.byteLength(body), "cache-control": "no-store", ...(partial ? { [SHARED_STATE_HEADER]: "unavailable" } : {}) }).end(body);
};

export function commitStatusHandler(deps: CommitStatusDeps): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  return (req, res) => {
    void serve(deps, req, res).catch((err: unknown) => {
      deps.logger.error("commit_status error", { [F.error]: err });
      refuse(res, 500, "InternalError", "kas: internal error");
    });
  };
}

async function serve(deps: CommitStatusDeps, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  req.resume(); // no body is read: drained so the connection can be reused
  if (req.method !== "GET") return refuse(res, 405, "MethodNotAllowed", `kas: ${KAS_COMMIT_STATUS_PATH} answers GET only`);
  const decision = await authorizeRequest(req.headers.authorization, deps.auth);
  if (!decision.allowed) {
    logDenial(deps.logger, { ...decision, reason: `commit_status: ${decision.reason}` });
    return refuse(res, decision.status, refusalReason(decision.status), `kas: ${decision.reason}`);
  }
  const query = parseCommitStatusQuery(req.url ?? "");
  if (!query.ok) return refuse(res, 400, "BadRequest", `kas: ${query.reason}`);
  const agentId = decision.agentId;
  const view = await deps.shared.commits(agentId);
  const state = view.agent;
  const name = (await deps.auth.agent(agentId))?.agent.name ?? state?.name ?? agentId;
  const projects = [...new Set([...Object.keys(state?.projects ?? {}), ...view.commits.keys()])].sort();
  const answer = await answerCommitStatus({
    agent: { id: agentId, name },
    commit: query.commit,
    ...(query.project === undefined ? {} : { project: query.project }),
    projects,
    history: (p) => [...(view.commits.get(p) ?? [])].reverse().map((e) => e.result),
    sentCommit: (p) => state?.projects[p]?.sentCommit,
    git: deps.git,
  });
  const partial = view.status === "unavailable";
  if ("notFound" in answer) return json(res, 404, commitNotFound(query.commit, answer.notFound), partial);
  deps.logger.debug("commit_status answered", { [F.agentId]: agentId, [F.commitId]: query.commit, [F.projectId]: answer.found.project, [F.reason]: answer.found.state });
  json(res, 200, answer.found, partial);
}
