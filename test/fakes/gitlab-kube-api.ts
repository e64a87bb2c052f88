/**
 * The stand-in GitLab's answers about Kubernetes API credentials, from
 * tables the test edits (see gitlab-internal-api.ts for the server):
 *
 * - `GET /api/v4/job/allowed_agents`: the job token in `Job-Token` (GitLab
 *   reads JOB-TOKEN); unknown or revoked -> 401, else GitLab's body for the
 *   job (allowed_agents, job, pipeline, project with its groups, user,
 *   environment when set).
 * - `POST /api/v4/internal/kubernetes/authorize_proxy_user`: JSON
 *   `{agent_id, access_type, access_key}`; a missing or wrong parameter ->
 *   400, an unknown token -> 400 "Unable to get user from request data", a
 *   revoked one -> 401, an unknown agent -> 404, a user without access to the
 *   agent -> 403, else `{agent, user, access_as}`.
 *
 * Both check the Gitlab-Kas-Api-Request JWT first (401 without a good one).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { JWT_HEADER, verifyKasJwt } from "../../runtime/kas/registry";

export interface FakeAllowedAgent {
  readonly id: number;
  readonly configProjectId: number;
  readonly configProjectPath: string;
  /** The ci_access entry as GitLab stores it, e.g. `{ access_as: { ci_job: {} } }`. */
  readonly configuration?: Record<string, unknown>;
}

export interface FakeJob {
  readonly jobId: number;
  readonly pipelineId: number;
  readonly projectId: number;
  /** The project's group and its ancestors. */
  readonly groupIds: readonly number[];
  readonly user: { readonly id: number; readonly username: string };
  readonly environment?: { readonly slug: string; readonly tier: string };
  readonly allowedAgents: readonly FakeAllowedAgent[];
}

export type FakeUserAccessAs = { readonly agent: Record<string, never> } | { readonly user: { readonly projects: readonly { id: number; roles: string[] }[]; readonly groups: readonly { id: number; roles: string[] }[] } };

export interface FakeUser {
  readonly id: number;
  readonly username: string;
  revoked?: boolean;
  /** What authorize_proxy_user answers for each agent id the user may use. */
  readonly access: Readonly<Record<number, FakeUserAccessAs>>;
}

export interface FakeKubeApiState {
  /** Jobs by CI job token; delete one (or call revoke) to end the job. */
  readonly jobs: Map<string, FakeJob>;
  /** Users by personal access token. */
  readonly users: Map<string, FakeUser>;
  /** Requests that reached each endpoint. */
  readonly calls: { agentInfo: number; allowedAgents: number; authorizeProxyUser: number };
  /** Why the last JWT was refused, if it was. */
  lastJwtProblem: string | undefined;
}

type Json = (res: ServerResponse, status: number, body: unknown) => void;

/** The Gitlab-Kas-Api-Request check every internal call starts with; false after answering 401. */
export function kasJwtOk(state: FakeKubeApiState, secret: Buffer, req: IncomingMessage, res: ServerResponse, json: Json): boolean {
  const jwt = req.headers[JWT_HEADER.toLowerCase()];
  state.lastJwtProblem = typeof jwt === "string" ? verifyKasJwt(jwt, secret) : "missing";
  if (state.lastJwtProblem === undefined) return true;
  json(res, 401, { message: "KAS JWT authentication invalid" });
  return false;
}

export function serveAllowedAgents(state: FakeKubeApiState, req: IncomingMessage, res: ServerResponse, json: Json): void {
  state.calls.allowedAgents++;
  const token = req.headers["job-token"];
  const job = typeof token === "string" ? state.jobs.get(token) : undefined;
  if (job === undefined) return json(res, 401, { message: "401 Unauthorized" });
  json(res, 200, {
    allowed_agents: job.allowedAgents.map((a) => ({
      id: a.id,
      config_project: { id: a.configProjectId, path_with_namespace: a.configProjectPath, name: a.configProjectPath.split("/").pop(), description: null },
      configuration: a.configuration ?? {},
    })),
    job: { id: job.jobId },
    pipeline: { id: job.pipelineId },
    project: { id: job.projectId, groups: job.groupIds.map((id) => ({ id })) },
    user: { id: job.user.id, username: job.user.username, roles_in_project: ["guest", "reporter", "developer"] },
    ...(job.environment === undefined ? {} : { environment: job.environment }),
  });
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  let text = "";
  for await (const chunk of req) {
    text += (chunk as Buffer).toString("utf8");
    if (text.length > 64 * 1024) return undefined;
  }
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export async function serveProxyUser(state: FakeKubeApiState, configProjectOf: (agentId: number) => number | undefined, req: IncomingMessage, res: ServerResponse, json: Json): Promise<void> {
  state.calls.authorizeProxyUser++;
  const body = await readJson(req);
  if (body === undefined || !Number.isInteger(body.agent_id)) return json(res, 400, { error: "agent_id is missing, agent_id is invalid" });
  if (body.access_type !== "personal_access_token" && body.access_type !== "session_cookie") return json(res, 400, { error: "access_type does not have a valid value" });
  if (typeof body.access_key !== "string" || body.access_key === "") return json(res, 400, { error: "access_key is missing" });
  const user = state.users.get(body.access_key);
  if (user === undefined) return json(res, 400, { message: "400 Bad request - Unable to get user from request data" });
  if (user.revoked === true) return json(res, 401, { message: "401 Unauthorized" });
  const agentId = body.agent_id as number;
  const configProjectId = configProjectOf(agentId);
  if (configProjectId === undefined) return json(res, 404, { message: "404 Not found" });
  const accessAs = user.access[agentId];
  if (accessAs === undefined) return json(res, 403, { message: "403 Forbidden" });
  json(res, 200, { agent: { id: agentId, config_project: { id: configProjectId } }, user: { id: user.id, username: user.username }, access_as: accessAs });
}
