import * as grpc from "@grpc/grpc-js";
import { F, Metrics, registerProcessMetrics } from "../../common";
import { serviceDefinitions } from "../../rpc";
import type { AgentConnectionLimits, ApiListenLimits, KasConfig, KubernetesApiConfig } from "../config";
import type { GitLabCredentialsApi } from "../kubeapi-auth";
import { AgentAccessBook } from "./agent-access";
import { consoleAgentAccess } from "./console-access";
import { kubernetesApiProxyDeps, listenKubernetesApi } from "./kubernetes-api-listen";
import { admitAuthorization, withDefaults } from "./kubernetes-api-proxy";
import { workloadsRoutes, type WorkloadsHandler } from "../workloads";
import { AuthAudit } from "./admission";
import { AgentTracker } from "./agent-tracker";
import { CommitResults } from "./commit-results";
import { memorySharedState, type SharedAccessBook, type SharedState, type SharedStateFactory } from "../shared";
import { localStateOf } from "./local-state";
import { configurationHandlers } from "./configuration-service";
import type { ServerContext } from "./context";
import { gitopsHandlers } from "./gitops-service";
import { grpcServerMetrics } from "./grpc-metrics";
import { listenHttpListeners } from "./http-listeners";
import type { ConsoleRoute, GitLabOAuthSettings, SessionStore } from "../console";
import { OpenStreams } from "./open-streams";
import { statusHandlers } from "./status-service";
import { tunnelHandlers } from "./tunnel-service";
import { TunnelRegistry, type TunnelSource } from "../tunnel";
import { startPrivateApi, type PrivateApiDeps } from "../routing";
import { grpcServerOptions, listenGrpc, listenWebSocket } from "./transports";

/** What the services share, less what the server makes itself (tracker, metrics), plus the listeners. */
export interface KasServerDeps extends Omit<ServerContext, "tracker" | "results" | "metrics" | "streams" | "audit" | "tunnels" | "access"> {
  readonly listen: KasConfig["listen"];
  readonly limits: AgentConnectionLimits;
  readonly webhookSecret: () => string | undefined;
  /** The agents API's bearer token (api.token_file), or undefined (loopback only: the config enforces it). */
  readonly apiToken?: () => string | undefined;
  /** listen.api's limits (kas.yaml `api:`); default DEFAULT_API_LISTEN_LIMITS. */
  readonly apiLimits?: ApiListenLimits;
  /** More routes of the console on listen.api (workloads), after sign-in. */
  readonly consoleRoutes?: readonly ConsoleRoute[];
  /** GitLab sign-in for the console (kas.yaml console.gitlab, its secret read). */
  readonly consoleGitLab?: GitLabOAuthSettings;
  /** Where console sessions live (kas.yaml `redis`: Redis); default in memory. */
  readonly consoleSessions?: SessionStore;
  /** Where to register metrics; default a new registry (kas.ts passes its own, with its Git counters). */
  readonly metrics?: Metrics;
  /** kas.yaml `kubernetes_api`: required with listen.kubernetesApi (the config enforces it). */
  readonly kubernetesApi?: KubernetesApiConfig;
  /** GitLab mode: GitLab's answers about CI job tokens and personal access tokens for the Kubernetes API proxy. */
  readonly kubernetesApiGitLab?: GitLabCredentialsApi;
  /** kas.yaml `private_api` (several replicas): tunnel requests for agents connected elsewhere go to their replica. */
  readonly privateApi?: Pick<PrivateApiDeps, "address" | "secret" | "timeouts" | "tls"> & { readonly locator?: PrivateApiDeps["locator"] };
  /** Where the state every replica shares lives (kas.yaml `redis`); default in memory (one replica). */
  readonly sharedState?: SharedStateFactory;
  /** With `redis`: each agent's access as the replica serving its config wrote it (CI requests for agents connected elsewhere). */
  readonly sharedAccess?: SharedAccessBook;
}

export interface RunningKas {
  /** Bound ports (useful when the config asked for port 0). */
  readonly ports: { grpc?: number; grpcs?: number; websocket?: number; observability?: number; webhook?: number; api?: number; kubernetesApi?: number; privateApi?: number };
  readonly tracker: AgentTracker;
  /** Each agent's recent commits and how their syncs went (commit_status). */
  readonly results: CommitResults;
  /** What every replica sees: the agents API, the page, commit_status and kas_agents_connected read it. */
  readonly shared: SharedState;
  readonly metrics: Metrics;
  /** The agents' reverse tunnels: acquire(agentId) one to send a request to its apiserver. */
  readonly tunnels: TunnelRegistry;
  /** Where the Kubernetes API proxy takes tunnels: `tunnels`, or with private_api any replica's. */
  readonly routedTunnels: TunnelSource;
  /** The console's workloads routes (issue 21), routed by the console after sign-in. */
  readonly workloads: WorkloadsHandler;
  /** Drops connections whose peer is gone (for the process guard). */
  dropDeadConnections(): void;
  close(): Promise<void>;
}

/** Starts every configured listener; on any failure, closes what was opened and throws. */
export async function startKasServer(deps: KasServerDeps): Promise<RunningKas> {
  const tracker = new AgentTracker();
  const results = new CommitResults();
  const shared = (deps.sharedState ?? memorySharedState)(localStateOf(tracker, results));
  tracker.onChange((id) => shared.agentChanged(id));
  results.onChange((id, project) => shared.commitsChanged(id, project));
  const metrics = deps.metrics ?? new Metrics();
  registerProcessMetrics(metrics);
  metrics.gaugeFn("kas_agents_connected", "Agents with at least one open stream (on any replica, with redis)", () => shared.connectedCount());
  metrics.gaugeFn("kas_agent_streams_open", "Streams agents hold open now (configuration and objects)", () => tracker.totalOpenStreams());
  const streams = new OpenStreams(deps.registry, deps.logger);
  const audit = new AuthAudit(deps.logger, metrics);
  const connectedHere = (agentId: string): boolean => tracker.openStreams(agentId) > 0;
  const tunnels = new TunnelRegistry({ maxIdlePerAgent: deps.limits.maxIdleTunnelsPerAgent, maxRequestsPerAgent: deps.limits.maxTunnelRequestsPerAgent }, connectedHere);
  metrics.gaugeFn("kas_agent_tunnels_idle", "Idle reverse tunnels agents hold open now", () => tunnels.totals().idle);
  metrics.gaugeFn("kas_agent_tunnels_in_use", "Reverse tunnels carrying a request now", () => tunnels.totals().inUse);
  const access = new AgentAccessBook(deps.sharedAccess);
  const ctx: ServerContext = { ...deps, tracker, results, metrics, streams, audit, tunnels, access };
  // A revoked token loses its open streams: at each registry change (file), or each cache period (GitLab).
  const unwatch = deps.registry.onChange?.(() => void streams.recheck());
  const recheckMs = deps.registry.recheckIntervalMs;
  const recheckTimer = recheckMs ? setInterval(() => void streams.recheck(), recheckMs) : undefined;
  recheckTimer?.unref();
  const defs = serviceDefinitions();
  const serverMetrics = grpcServerMetrics(metrics);
  // One set of handlers for every listener: their caches and read turns are per kas.
  const handlers = { configuration: configurationHandlers(ctx), gitops: gitopsHandlers(ctx), status: statusHandlers(ctx), tunnel: tunnelHandlers(ctx) };
  const closers: (() => Promise<void>)[] = [];
  const ports: RunningKas["ports"] = {};
  let routedTunnels: TunnelSource = tunnels;
  let workloads: WorkloadsHandler | undefined;
  const droppers: (() => void)[] = [];
  const close = async (): Promise<void> => {
    unwatch?.();
    if (recheckTimer) clearInterval(recheckTimer);
    for (const c of closers.reverse()) await c().catch(() => undefined);
    await shared.close().catch(() => undefined);
  };
  try {
    // One gRPC server per TCP listener: grpc-js binds credentials per port, and
    // the WebSocket tunnel injects connections into the plain one.
    const newServer = (): grpc.Server => {
      const s = new grpc.Server({ ...grpcServerOptions(deps.limits), interceptors: [serverMetrics] });
      s.addService(defs.configuration, handlers.configuration);
      s.addService(defs.gitops, handlers.gitops);
      s.addService(defs.status, handlers.status);
      s.addService(defs.tunnel, handlers.tunnel);
      closers.push(() => shutdown(s));
      return s;
    };
    const { listen } = deps;
    if (listen.grpc) ports.grpc = await listenGrpc(newServer(), listen.grpc);
    if (listen.grpcs) ports.grpcs = await listenGrpc(newServer(), listen.grpcs.address, listen.grpcs);
    if (listen.websocket) {
      const ws = await listenWebSocket(newServer(), { ...listen.websocket, registry: deps.registry, logger: deps.logger, metrics, audit });
      closers.push(() => ws.close());
      droppers.push(() => ws.dropDead());
      ports.websocket = ws.port;
    }
    if (deps.privateApi) {
      // Where the other replicas hold the agent's tunnels: the shared state's presence (redis), unless a test passes its own.
      const privateApi = await startPrivateApi({ ...deps.privateApi, locator: deps.privateApi.locator ?? shared, local: tunnels, connectedHere, logger: deps.logger, metrics });
      closers.push(() => privateApi.close());
      ports.privateApi = privateApi.port;
      routedTunnels = privateApi.tunnels;
    }
    // One set of proxy deps (credential caches, per-credential limit) for the Kubernetes API proxy and the console's workloads.
    const proxyDeps = deps.kubernetesApi && withDefaults(kubernetesApiProxyDeps({ config: deps.kubernetesApi, access, tunnels: routedTunnels, logger: deps.logger, gitlab: deps.kubernetesApiGitLab }));
    // Which agents a console viewer sees: a GitLab user those user_access admits them to (the proxy's answer, cached).
    const agentAccess = consoleAgentAccess(proxyDeps);
    workloads = workloadsRoutes({
      shared,
      agentAccess,
      tunnels: routedTunnels,
      logger: deps.logger,
      // A GitLab user reads exactly as a user_access request of the proxy with their token would.
      ...(proxyDeps ? { admitUser: (authorization: string, signal: AbortSignal) => admitAuthorization(proxyDeps, authorization, signal) } : {}),
    });
    // The console's routes after sign-in: the workloads first (issue 21 item 3), then any the caller adds.
    const http = await listenHttpListeners({ ...deps, metrics, shared, consoleAgentAccess: agentAccess, consoleRoutes: [workloads, ...(deps.consoleRoutes ?? [])] }, ports);
    closers.push(...http);
    if (listen.kubernetesApi) {
      if (!deps.kubernetesApi || !proxyDeps) throw new Error("listen.kubernetes_api needs the kubernetes_api section");
      const commitStatus = { shared, git: deps.git };
      const proxy = await listenKubernetesApi({ listen: listen.kubernetesApi, config: deps.kubernetesApi, access, proxy: proxyDeps, commitStatus, git: deps.git, projects: deps.projects, logger: deps.logger });
      closers.push(() => proxy.close());
      ports.kubernetesApi = proxy.port;
    }
  } catch (err) {
    await close();
    throw err;
  }
  deps.logger.info("kas listening", { [F.address]: ports });
  return { ports, tracker, results, shared, metrics, tunnels, routedTunnels, workloads: workloads!, close, dropDeadConnections: () => droppers.forEach((d) => d()) };
}

/** Streams are long-lived by design, so there is nothing to drain: end them (agents see UNAVAILABLE and reconnect). */
function shutdown(server: grpc.Server): Promise<void> {
  server.forceShutdown();
  return Promise.resolve();
}
