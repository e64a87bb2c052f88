/**
 * Which agents a console viewer sees (issue 21 item 5): kas's operator every
 * agent; a GitLab user those the Kubernetes API proxy would admit their
 * token to (`pat:<agent id>:<token>`: GitLab's authorize_proxy_user for the
 * agent's user_access, remembered in the proxy's credential cache for
 * kubernetes_api.allowed_agent_cache_ttl). No tunnel is taken to answer.
 */
import type { AgentAccess } from "../console";
import { authorizeRequest, ciBearerToken, PAT_TOKEN_TYPE, refusalReason } from "../kubeapi-auth";
import { NO_USER_ACCESS_MESSAGE } from "../workloads";
import type { ProxyDeps } from "./kubernetes-api-proxy";

/** `proxy` undefined (no kubernetes_api): GitLab users see no agent. */
export function consoleAgentAccess(proxy: ProxyDeps | undefined): AgentAccess {
  return async (viewer, agentId) => {
    if (viewer.kind === "api-token") return undefined;
    if (proxy === undefined) return { status: 403, reason: "Forbidden", message: NO_USER_ACCESS_MESSAGE };
    const decision = await authorizeRequest(`Bearer ${ciBearerToken(agentId, viewer.accessToken, PAT_TOKEN_TYPE)}`, proxy.auth);
    return decision.allowed ? undefined : { status: decision.status, reason: refusalReason(decision.status), message: `kas: ${decision.reason}` };
  };
}
