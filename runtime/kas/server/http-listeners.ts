import * as http from "node:http";
import { F, type Logger, type Metrics } from "../../common";
import { DEFAULT_API_LISTEN_LIMITS, type ApiListenLimits, type KasConfig, type ProjectConfig } from "../config";
import type { SharedState } from "../shared";
import { startConsole, type AgentAccess, type ConsoleRoute, type GitLabOAuthSettings, type SessionStore } from "../console";
import { bindServer, listenHttp } from "./http-listen";
import { observabilityHandler } from "./observability-http";
import type { CommitSubscriptions, TokenAuthenticator } from "./ports";
import { pushWebhookHandler } from "./push-webhook";

export interface HttpListenersDeps {
  readonly listen: KasConfig["listen"];
  readonly metrics: Metrics;
  readonly shared: SharedState;
  readonly commits: CommitSubscriptions;
  readonly projects: () => readonly ProjectConfig[];
  readonly webhookSecret: () => string | undefined;
  readonly apiToken?: () => string | undefined;
  /** listen.api's connection cap, timeouts and head size (kas.yaml `api:`); default DEFAULT_API_LISTEN_LIMITS. */
  readonly apiLimits?: ApiListenLimits;
  /** Lists the registered agents for the console (the file registry can, GitLab's cannot). */
  readonly registry: Pick<TokenAuthenticator, "agents">;
  /** More console routes (workloads), after sign-in. */
  readonly consoleRoutes?: readonly ConsoleRoute[];
  /** GitLab sign-in for the console (kas.yaml console.gitlab). */
  readonly consoleGitLab?: GitLabOAuthSettings;
  /** Where console sessions live (kas.yaml `redis`: Redis); default in memory. */
  readonly consoleSessions?: SessionStore;
  /** Which agents a console viewer sees (a GitLab user: those user_access admits them to); undefined: GitLab users see none. */
  readonly consoleAgentAccess?: AgentAccess;
  readonly logger: Logger;
}

/**
 * Starts kas's HTTP listeners, each configured one on its own address:
 * observability (probes, metrics), webhook (push events) and api (the
 * operator console: agents pages, their JSON API, live updates). Records bound ports in `ports`; returns their closers, in
 * opening order (the caller closes what opened if a later one fails).
 */
export async function listenHttpListeners(
  deps: HttpListenersDeps,
  ports: { observability?: number; webhook?: number; api?: number },
): Promise<(() => Promise<void>)[]> {
  const { listen, logger } = deps;
  const closers: (() => Promise<void>)[] = [];
  try {
    if (listen.observability) {
      const l = await listenHttp("listen.observability", listen.observability, observabilityHandler({ metrics: deps.metrics, ready: () => true }), logger);
      closers.push(() => l.close());
      ports.observability = l.port;
    }
    if (listen.webhook) {
      const handler = pushWebhookHandler({ commits: deps.commits, projects: deps.projects, secret: deps.webhookSecret, metrics: deps.metrics, logger });
      const l = await listenHttp("listen.webhook", listen.webhook, handler, logger);
      closers.push(() => l.close());
      ports.webhook = l.port;
    }
    if (listen.api) {
      const token = deps.apiToken ?? (() => undefined);
      const consoleDeps = { shared: deps.shared, registered: () => deps.registry.agents, projects: deps.projects, token, metrics: deps.metrics, logger, agentAccess: deps.consoleAgentAccess };
      const console = startConsole({ ...consoleDeps, ...(deps.consoleRoutes ? { routes: deps.consoleRoutes } : {}), ...(deps.consoleGitLab ? { gitlab: deps.consoleGitLab } : {}), ...(deps.consoleSessions ? { sessionStore: deps.consoleSessions } : {}) });
      const server = apiServer(deps.apiLimits ?? DEFAULT_API_LISTEN_LIMITS, (req, res) => void console.handle(req, res));
      const l = await bindServer("listen.api", listen.api, server);
      closers.push(async () => {
        console.close();
        await l.close();
      });
      ports.api = l.port;
      const apiToken = token();
      if (apiToken === undefined) {
        logger.warn("Agents API without a token: any process on this host can read it (loopback only; set api.token_file to require one)", {
          [F.address]: listen.api,
        });
      } else if (apiToken.length < MIN_API_TOKEN_LENGTH) {
        logger.warn(`api.token_file holds a short token (fewer than ${MIN_API_TOKEN_LENGTH} characters): its length is most of what keeps it from being guessed; use e.g. openssl rand -base64 48`, {
          [F.address]: listen.api,
        });
      }
    }
  } catch (err) {
    for (const c of closers.reverse()) await c().catch(() => undefined);
    throw err;
  }
  return closers;
}

/** Below this many characters the API token draws a warning at start (kas's own generated tokens are longer). */
export const MIN_API_TOKEN_LENGTH = 32;

/**
 * listen.api's server: Node's requestTimeout bounds receiving a request, not
 * answering it, so live updates and log follow stay open past it. Over
 * maxConnections Node closes new connections as they are accepted.
 */
function apiServer(limits: ApiListenLimits, handle: http.RequestListener): http.Server {
  const server = http.createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
      keepAliveTimeout: 5_000,
      maxHeaderSize: limits.maxHeaderBytes,
    },
    handle,
  );
  server.maxHeadersCount = 100;
  server.maxConnections = limits.maxConnections;
  return server;
}
