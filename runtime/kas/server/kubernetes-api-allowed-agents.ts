/**
 * `GET /.kas/v1/allowed_agents` on kas's Kubernetes API listener: which
 * agents may the CI job holding this ID token use? The same verification as
 * the proxy (verifyCiToken: issuer, audience, expiry, signature; cached by the
 * token's hash), then every agent's ci_access is judged (allowedAgents) and
 * only those admitting the job are named. `Authorization: Bearer <ID token>`:
 * the plain token, as the job has it, with no agent to name yet. Refusals are
 * Kubernetes Status bodies (401 for a bad token); the token is never logged.
 */
import type * as http from "node:http";
import { F, type Logger } from "../../common";
import { KAS_ALLOWED_AGENTS_PATH, allowedAgents, credentialFingerprint, logDenial, verifyCiToken, type CiRequestAuthOptions, type TargetAgent } from "../kubeapi-auth";
import { sendRefusal } from "./kubernetes-api-status";

/** A Kubernetes Status answer (this path is no discovery path: always JSON). */
const writeStatus = (res: http.ServerResponse, code: number, reason: string, message: string): void => sendRefusal(res, { code, reason, message }, KAS_ALLOWED_AGENTS_PATH);

export interface AllowedAgentsDeps {
  readonly auth: Pick<CiRequestAuthOptions, "verify" | "cache" | "now">;
  /** Every agent kas holds a ci_access for. */
  readonly agents: () => Iterable<TargetAgent>;
  readonly logger: Logger;
}

/** The plain ID token from `Bearer <token>`, or why not; never quotes the token. */
export function plainBearer(header: string | undefined): { ok: true; token: string } | { ok: false; reason: string } {
  if (header === undefined || header === "") return { ok: false, reason: "no Authorization header; expected Bearer <CI ID token>" };
  const match = /^Bearer +(\S+)$/i.exec(header);
  if (match === null) return { ok: false, reason: "Authorization: expected Bearer <CI ID token>" };
  const token = match[1]!;
  if (token.startsWith("ci:")) return { ok: false, reason: "Authorization: expected the plain CI ID token here, not ci:<agent id>:<token>" };
  return { ok: true, token };
}

export function allowedAgentsHandler(deps: AllowedAgentsDeps): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  return (req, res) => {
    void serve(deps, req, res).catch((err: unknown) => {
      deps.logger.error("allowed_agents error", { [F.error]: err });
      writeStatus(res, 500, "InternalError", "kas: internal error");
    });
  };
}

async function serve(deps: AllowedAgentsDeps, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  // The request body, if any, is not read: drain it so the connection can be reused.
  req.resume();
  if (req.method !== "GET") return writeStatus(res, 405, "MethodNotAllowed", `kas: ${KAS_ALLOWED_AGENTS_PATH} answers GET only`);
  const bearer = plainBearer(req.headers.authorization);
  if (!bearer.ok) {
    logDenial(deps.logger, { reason: `allowed_agents: ${bearer.reason}` });
    return writeStatus(res, 401, "Unauthorized", `kas: ${bearer.reason}`);
  }
  const verify = deps.auth.verify;
  if (verify === undefined) return writeStatus(res, 401, "Unauthorized", "kas: this kas has no kubernetes_api.oidc: it lists allowed agents only for OIDC ID tokens (in GitLab mode, GitLab's /api/v4/job/allowed_agents does)");
  const job = await verifyCiToken(bearer.token, { ...deps.auth, verify });
  if (!job.ok) {
    logDenial(deps.logger, { reason: `allowed_agents: ${job.reason}`, token: bearer.token });
    return writeStatus(res, 401, "Unauthorized", `kas: ${job.reason}`);
  }
  const answer = allowedAgents(job.job, deps.agents());
  deps.logger.info("allowed_agents answered", { [F.projectId]: job.job.projectPath, [F.count]: answer.allowed_agents.length, [F.key]: credentialFingerprint(bearer.token) });
  const body = JSON.stringify(answer);
  res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body), "cache-control": "no-store" }).end(body);
}
