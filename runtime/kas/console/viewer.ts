/**
 * Who is looking at kas's console (issue 21). The console's sign-in decides
 * it; everything that reads the cluster for the console (pods, events, logs
 * through the agent's tunnel) takes it and applies the same rules as the
 * Kubernetes API proxy's user access.
 */
export type ConsoleViewer =
  /** Signed in with kas's API token (`api.token_file`): the operator of this kas. */
  | { readonly kind: "api-token" }
  /** Signed in through GitLab (OAuth, GitLab mode): a GitLab user, with the access token GitLab gave the console. */
  | { readonly kind: "gitlab-user"; readonly username: string; readonly accessToken: string };

/** Why a viewer may not see an agent, as the Kubernetes API proxy would refuse it (HTTP status, Status reason, message). */
export interface AgentRefusal {
  readonly status: number;
  readonly reason: string;
  readonly message: string;
}

/**
 * Whether `viewer` may see agent `agentId` (its row, page, JSON and
 * workloads): undefined when it may, else why not. kas's operator sees every
 * agent; a GitLab user those whose user_access admits them, exactly as a
 * `pat:<agent id>:<token>` request of the Kubernetes API proxy (GitLab's
 * authorize_proxy_user, cached as the proxy caches it).
 */
export type AgentAccess = (viewer: ConsoleViewer, agentId: string) => Promise<AgentRefusal | undefined>;
