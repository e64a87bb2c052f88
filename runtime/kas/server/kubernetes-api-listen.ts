/**
 * The Kubernetes API proxy's https listener: CI ID tokens checked against
 * kubernetes_api.oidc (keys by OIDC discovery, verified tokens cached until
 * their exp), the agent's ci_access from the access book, requests through
 * the agent's tunnels; and GET /.kas/v1/allowed_agents, which agents a CI
 * job may use (kubernetes-api-allowed-agents.ts).
 */
import { readFileSync } from "node:fs";
import * as https from "node:https";
import type { Logger } from "../../common";
import { type KubernetesApiConfig, type KubernetesApiListen } from "../config";
import { CredentialCache, JwksCache } from "../kubeapi-auth";
import type { TunnelRegistry } from "../tunnel";
import type { AgentAccessBook } from "./agent-access";
import { allowedAgentsHandler, isAllowedAgentsRequest } from "./kubernetes-api-allowed-agents";
import { bindServer, type HttpListener } from "./http-listen";
import { kubernetesApiProxy, type KubernetesApiProxyDeps } from "./kubernetes-api-proxy";
import { kubernetesApiUpgrade } from "./kubernetes-api-upgrade";

export interface KubernetesApiListenerDeps {
  readonly listen: KubernetesApiListen;
  readonly config: KubernetesApiConfig;
  readonly access: AgentAccessBook;
  readonly tunnels: TunnelRegistry;
  readonly logger: Logger;
}

export async function listenKubernetesApi(deps: KubernetesApiListenerDeps): Promise<HttpListener> {
  const { listen, config } = deps;
  const proxy: KubernetesApiProxyDeps = {
    auth: {
      verify: { issuer: config.oidc.issuer, audience: config.oidc.audience, jwks: new JwksCache({ issuer: config.oidc.issuer }) },
      cache: new CredentialCache(),
      agent: (id) => deps.access.get(id),
    },
    tunnels: deps.tunnels,
    logger: deps.logger,
  };
  const forward = kubernetesApiProxy(proxy);
  const allowed = allowedAgentsHandler({ auth: proxy.auth, agents: () => deps.access.all(), logger: deps.logger });
  const server = https.createServer({ cert: readFileSync(listen.certFile), key: readFileSync(listen.keyFile) }, (req, res) => (isAllowedAgentsRequest(req) ? allowed : forward)(req, res));
  server.on("upgrade", kubernetesApiUpgrade(proxy));
  return bindServer("listen.kubernetes_api", listen.address, server);
}
