/**
 * Who a workloads read runs as, and one read through the agent's tunnel.
 * A GitLab user (viewer `gitlab-user`) is admitted exactly as a user_access
 * request of the Kubernetes API proxy with that user's token (`pat:<agent
 * id>:<token>`: GitLab's authorize_proxy_user, the agent's user_access,
 * access_as agent or impersonation, the per-credential limit); the apiserver
 * then judges the identity. kas's operator (viewer `api-token`) reads as the
 * agent itself, and only the read-only requests requests.ts allows.
 */
import type { TunnelIdentity, TunnelRequestHead } from "../../rpc";
import type { AgentAccess, ConsoleViewer } from "../console";
import { ciBearerToken, PAT_TOKEN_TYPE } from "../kubeapi-auth";
import type { SharedState } from "../shared";
import { TunnelUnavailableError, UNAVAILABLE_HTTP, type Tunnel, type TunnelResponse, type TunnelSource } from "../tunnel";
import { F, type Logger } from "../../common";
import type { Problem } from "./model";
import { operatorRefusal } from "./requests";

/** Why a GitLab user reads nothing through any agent of this kas. */
export const NO_USER_ACCESS_MESSAGE = "kas: this kas has no kubernetes_api section, so GitLab users read nothing through agents (user_access needs it)";

/** A tunnel of the agent and the identity to run as, or the refusal (the proxy's admitAuthorization answers this). */
export type ViewerAdmission =
  | { readonly tunnel: Tunnel; readonly identity: TunnelIdentity | null }
  | { readonly refusal: { readonly code: number; readonly reason: string; readonly message: string } };

export interface WorkloadsDeps {
  /** Agents and their last reports: which workloads each manages. */
  readonly shared: Pick<SharedState, "agents">;
  /** The agents' tunnels (kas-server's routed ones: any replica's). */
  readonly tunnels: TunnelSource;
  /**
   * The Kubernetes API proxy's admission for an Authorization header value
   * (server's admitAuthorization with the proxy's own deps, caches and
   * per-credential limit); undefined when kas has no kubernetes_api: GitLab
   * users are then refused.
   */
  readonly admitUser?: (authorization: string, signal: AbortSignal) => Promise<ViewerAdmission>;
  /** Which agents the viewer may see at all; refused ones answer with the refusal before anything is read. Undefined: each read is judged alone. */
  readonly agentAccess?: AgentAccess;
  readonly logger: Logger;
  /** How long a read waits for one of the agent's tunnels; default 10 s. */
  readonly acquireTimeoutMs?: number;
  /** Milliseconds; default Date.now (pod ages). */
  readonly now?: () => number;
}

/**
 * Sends GET `path` to the agent's apiserver as `viewer` may; resolves with the
 * response head once the agent has it. Aborting `signal` cancels the request
 * on every side (and gives back the viewer's credential slot).
 */
export async function get(deps: WorkloadsDeps, viewer: ConsoleViewer, agentId: string, path: string, signal: AbortSignal, headers: TunnelRequestHead["headers"] = []): Promise<TunnelResponse | Problem> {
  const admitted = await admitViewer(deps, viewer, agentId, path, signal);
  if ("refusal" in admitted) return { status: admitted.refusal.code, reason: admitted.refusal.reason, message: admitted.refusal.message };
  try {
    return await admitted.tunnel.request({ method: "GET", path, headers, identity: admitted.identity }, undefined, signal);
  } catch (err) {
    return { status: signal.aborted ? 499 : 502, reason: signal.aborted ? "ClientClosedRequest" : "BadGateway", message: `kas: agent ${agentId}: ${err instanceof Error ? err.message : String(err)}` };
  }
}

async function admitViewer(deps: WorkloadsDeps, viewer: ConsoleViewer, agentId: string, path: string, signal: AbortSignal): Promise<ViewerAdmission> {
  if (viewer.kind === "gitlab-user") {
    if (deps.admitUser === undefined) {
      return { refusal: { code: 403, reason: "Forbidden", message: NO_USER_ACCESS_MESSAGE } };
    }
    return deps.admitUser(`Bearer ${ciBearerToken(agentId, viewer.accessToken, PAT_TOKEN_TYPE)}`, signal);
  }
  const refused = operatorRefusal("GET", path);
  if (refused !== undefined) {
    deps.logger.warn("workloads read refused: not one of the operator's read-only requests", { [F.agentId]: agentId, [F.path]: path.split("?")[0], [F.reason]: refused });
    return { refusal: { code: 403, reason: "Forbidden", message: refused } };
  }
  try {
    return { tunnel: await deps.tunnels.acquire(agentId, { signal, timeoutMs: deps.acquireTimeoutMs }), identity: null };
  } catch (err) {
    if (!(err instanceof TunnelUnavailableError)) throw err;
    const [code, reason] = UNAVAILABLE_HTTP[err.reason];
    return { refusal: { code, reason, message: `kas: ${err.message}` } };
  }
}

export function isProblem(v: TunnelResponse | Problem): v is Problem {
  return "status" in v;
}
