/**
 * The Kubernetes API proxy's https listener: CI ID tokens checked against
 * kubernetes_api.oidc (keys by OIDC discovery, verified tokens cached until
 * their exp); in GitLab mode CI job tokens and personal access tokens asked
 * of GitLab (answers cached for kubernetes_api.allowed_agent_cache_ttl,
 * refusals for allowed_agent_cache_error_ttl); the agent's ci_access and
 * user_access from the access book; requests through the agent's tunnels.
 * GET /.kas/v1/allowed_agents says which agents a CI job may use
 * (kubernetes-api-allowed-agents.ts); POST /.kas/v1/preview asks the agent
 * to plan a commit (kubernetes-api-preview.ts); GET /.kas/v1/commit_status
 * where the agent is with a commit (kubernetes-api-commit-status.ts).
 */
import { readFileSync } from "node:fs";
import type * as http from "node:http";
import * as https from "node:https";
import type { Logger } from "../../common";
import { KAS_PREVIEW_PATH } from "../../rpc";
import { type KubernetesApiConfig, type KubernetesApiListen, type ProjectConfig } from "../config";
import { CredentialCache, JwksCache, KAS_ALLOWED_AGENTS_PATH, type GitLabCredentialsApi } from "../kubeapi-auth";
import type { TunnelSource } from "../tunnel";
import type { AgentAccessBook } from "./agent-access";
import { KAS_COMMIT_STATUS_PATH } from "../commit-status";
import { allowedAgentsHandler } from "./kubernetes-api-allowed-agents";
import { commitStatusHandler, type CommitStatusSources } from "./kubernetes-api-commit-status";
import { bindServer, type HttpListener } from "./http-listen";
import { CredentialLimiter } from "./kubernetes-api-limits";
import { kubernetesApiProxy, type KubernetesApiProxyDeps } from "./kubernetes-api-proxy";
import { previewHandler } from "./kubernetes-api-preview";
import type { GitReader } from "./ports";
import { kubernetesApiUpgrade } from "./kubernetes-api-upgrade";

export interface KubernetesApiListenerDeps {
  readonly listen: KubernetesApiListen;
  readonly config: KubernetesApiConfig;
  readonly access: AgentAccessBook;
  /** kubernetesApiProxyDeps(...): credentials, caches and the agents' tunnels. */
  readonly proxy: KubernetesApiProxyDeps;
  /** What commit_status answers from: the agents' reports and kas's Git. */
  readonly commitStatus: CommitStatusSources;
  readonly logger: Logger;
  /** kas.yaml's projects: which an agent may read (previews). */
  readonly projects: () => readonly ProjectConfig[];
  /** Commits to preview. */
  readonly git: GitReader;
}

/** What the proxy needs to admit requests (kas-server builds it once: the proxy and the console's workloads share its caches and limits). */
export interface ProxyDepsSources {
  readonly config: KubernetesApiConfig;
  readonly access: AgentAccessBook;
  readonly tunnels: TunnelSource;
  readonly logger: Logger;
  readonly gitlab?: GitLabCredentialsApi;
}

export function kubernetesApiProxyDeps(deps: ProxyDepsSources): KubernetesApiProxyDeps {
  const { config } = deps;
  return {
    auth: {
      ...(config.oidc ? { verify: { issuer: config.oidc.issuer, audience: config.oidc.audience, jwks: new JwksCache({ issuer: config.oidc.issuer }) } } : {}),
      cache: new CredentialCache(),
      agent: (id) => deps.access.lookup(id),
      ...(deps.gitlab ? { gitlab: { api: deps.gitlab, jobs: new CredentialCache({ ttlMs: config.allowedAgentCacheTtlMs }), users: new CredentialCache({ ttlMs: config.allowedAgentCacheTtlMs }), errorTtlMs: config.allowedAgentCacheErrorTtlMs } } : {}),
    },
    tunnels: deps.tunnels,
    logger: deps.logger,
    limits: config.limits,
    credentials: new CredentialLimiter(config.limits.maxRequestsPerCredential),
  };
}

export async function listenKubernetesApi(deps: KubernetesApiListenerDeps): Promise<HttpListener> {
  const { listen, config, proxy } = deps;
  const forward = kubernetesApiProxy(proxy);
  const allowed = allowedAgentsHandler({ auth: proxy.auth, agents: () => deps.access.all(), logger: deps.logger });
  // kas's own endpoints for CI beside the proxied Kubernetes API, by exact path (query aside).
  const preview = previewHandler({ ...proxy, git: deps.git, access: deps.access, projects: deps.projects });
  const kasRoutes = new Map<string, (req: http.IncomingMessage, res: http.ServerResponse) => void>([
    [KAS_ALLOWED_AGENTS_PATH, allowed],
    [KAS_PREVIEW_PATH, preview],
    [KAS_COMMIT_STATUS_PATH, commitStatusHandler({ ...deps.commitStatus, auth: proxy.auth, logger: deps.logger })],
  ]);
  const { headersTimeoutMs, idleTimeoutMs, maxHeaderBytes } = config.limits;
  const server = https.createServer(
    {
      cert: readFileSync(listen.certFile),
      key: readFileSync(listen.keyFile),
      // Slowloris: a connection that has not finished its TLS handshake and request head in time is closed (408).
      handshakeTimeout: headersTimeoutMs,
      headersTimeout: headersTimeoutMs,
      // Until the whole request (head and body) has arrived; a GET's ends with its head, so watches and logs -f are not cut.
      requestTimeout: Math.max(idleTimeoutMs, headersTimeoutMs),
      connectionsCheckingInterval: Math.min(1_000, headersTimeoutMs),
      maxHeaderSize: maxHeaderBytes,
    },
    (req, res) => (kasRoutes.get((req.url ?? "").split("?")[0] ?? "") ?? forward)(req, res),
  );
  // Node's own count limit answers a bare 400; maxHeaderSize bounds the head, and the proxy refuses more
  // than MAX_HEADER_COUNT headers with a 431 that says so.
  server.maxHeadersCount = 0;
  // No socket inactivity timeout: a watch may be quiet for long; the proxy's idle rule applies instead.
  server.timeout = 0;
  server.on("upgrade", kubernetesApiUpgrade(proxy));
  return bindServer("listen.kubernetes_api", listen.address, server);
}
