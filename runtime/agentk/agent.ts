import { randomBytes } from "node:crypto";
import { buildInfo, F, Metrics, type BuildInfo, registerProcessMetrics, listenObservability, type BackoffOptions, type Level, type Logger } from "../common";
import { createClients, type AgentConfiguration } from "../rpc";
import { bindAgentToken, watchConfiguration } from "../rpc/client";
import { ObjectStore } from "./apply";
import { runClusterProbe } from "./cluster-probe";
import { connectTarget, grpcClientMetrics } from "./connection";
import { Discovery, KubeClient, type ClusterAccess } from "./kube";
import { runLeaderElection } from "./leader";
import { previewHandler } from "./preview";
import { ownServiceAccount, ownStateNames } from "./self";
import { DEFAULT_TUNNEL_POOL_SIZE, startTunnelPool, type TunnelPool, type TunnelPoolStats } from "./tunnel";
import { WorkerSet } from "./worker";

export interface AgentOptions {
  readonly kasAddress: string;
  readonly token: string;
  readonly caCert?: Buffer;
  /** The API server and credentials: `loadClusterAccess()` (in-cluster, --kubeconfig, $KUBECONFIG). */
  readonly cluster: ClusterAccess;
  /** The agent's own namespace: inventories and the leader Lease live there. */
  readonly namespace: string;
  readonly podName: string;
  /** "host:port"; undefined = no observability listener. */
  readonly observabilityAddress?: string;
  readonly backoff?: BackoffOptions;
  /** Default true: only the Lease holder applies, so replicas > 1 is safe. */
  readonly leaderElection?: boolean;
  readonly leaderElectionRetryMs?: number;
  /** Idle reverse tunnels kept open to kas (Kubernetes API access for ci_access); 0: none. Default DEFAULT_TUNNEL_POOL_SIZE. */
  readonly tunnels?: number;
  /** Let kas run tunnel requests as other identities (ci_access `impersonate`/`ci_job`); the ServiceAccount needs impersonate rights. Default false. */
  readonly allowImpersonation?: boolean;
  readonly logger: Logger;
  /** The build reported to kas (AgentMeta). Default: this package's version and Git commit (common/version.ts). */
  readonly build?: BuildInfo;
  /** How often the apiserver's reachability is probed and told kas (cluster-probe.ts). Default 15 s. */
  readonly clusterProbeIntervalMs?: number;
}

export interface RunningAgent {
  readonly metrics: Metrics;
  readonly observabilityPort?: number;
  /** The reverse tunnel pool's counts; undefined with tunnels: 0. */
  readonly tunnels?: Readonly<TunnelPoolStats>;
  /** True while this replica holds the Lease (or election is off). */
  isLeader(): boolean;
  close(): Promise<void>;
}

/** Wires agentk: kas connection, configuration, leader election, one worker per manifest project. */
export async function startAgent(opts: AgentOptions): Promise<RunningAgent> {
  const log = opts.logger;
  const build = opts.build ?? buildInfo();
  const stop = new AbortController();
  const metrics = new Metrics();
  registerProcessMetrics(metrics);
  // The token goes to the WebSocket upgrade (kas authenticates the tunnel) and, bound once, on every call of the channel.
  const target = await connectTarget(opts.kasAddress, {
    token: opts.token,
    caCert: opts.caCert,
    onUpgradeRefused: (status, message) => log.error("kas refused the WebSocket connection", { [F.status]: status, [F.error]: message }),
  });
  const channel = bindAgentToken(target.credentials, () => opts.token);
  const clients = createClients(target.target, channel.credentials, { ...channel.options, interceptors: [...(channel.options.interceptors ?? []), grpcClientMetrics(metrics)] });
  const kube = KubeClient.fromAccess(opts.cluster);
  const store = new ObjectStore(kube, new Discovery(kube, log));
  let workers: WorkerSet | undefined;
  let latest: AgentConfiguration | undefined;
  /** The agent's id and inventory, from the first configuration on (for previews). */
  let self: { agentId: string; inventoryName: string } | undefined;
  let leading: AbortSignal | undefined;
  let electionStarted = false;
  let configured = false;
  const identity = `${opts.podName}-${randomBytes(4).toString("hex")}`;
  const serviceAccount = await ownServiceAccount(kube, log);

  const applyConfig = async (): Promise<void> => {
    if (!workers || !latest) return;
    if (opts.leaderElection === false || (leading && !leading.aborted)) await workers.apply(latest);
    else await workers.stop();
  };

  // Every caller is fire-and-forget: a rejection left unhandled would end the process (Node's default), cutting off every project.
  const applyConfigLogged = (): Promise<void> => applyConfig().catch((err: unknown) => log.error("Applying configuration failed", { [F.error]: err }));

  const configDone = watchConfiguration({
    clients,
    meta: { version: build.version, commit_id: build.commit, pod_namespace: opts.namespace, pod_name: opts.podName },
    logger: log,
    signal: stop.signal,
    backoff: opts.backoff,
    onConfiguration: (config, commitId, agent) => {
      log.setLevel(config.observability.logging.level as Level);
      log.info("Received agent configuration", { [F.commitId]: commitId, [F.agentId]: agent.agentId, [F.count]: config.gitops.manifest_projects.length });
      latest = config;
      configured = true;
      const state = ownStateNames(serviceAccount, agent.agentId);
      self = { agentId: agent.agentId, inventoryName: state.inventory };
      workers ??= new WorkerSet({ clients, store, logger: log, metrics, agentId: agent.agentId, agentNamespace: opts.namespace, inventoryName: state.inventory, backoff: opts.backoff });
      if (opts.leaderElection !== false && !electionStarted) {
        electionStarted = true;
        void runLeaderElection({
          client: kube,
          namespace: opts.namespace,
          name: state.lease,
          identity,
          logger: log,
          signal: stop.signal,
          retryPeriodMs: opts.leaderElectionRetryMs,
          onStartedLeading: (lost) => {
            leading = lost;
            void applyConfigLogged();
            lost.addEventListener("abort", () => void applyConfigLogged(), { once: true });
          },
        });
      }
      void applyConfigLogged();
    },
  });

  // Every replica serves tunnels (requests are not leader work); as the agent itself unless impersonation is allowed.
  // Previews too: they write nothing, so any replica may answer.
  const preview = previewHandler({ store, agentNamespace: opts.namespace, logger: log, current: () => (latest && self ? { config: latest, ...self } : undefined) });
  const tunnelSize = opts.tunnels ?? DEFAULT_TUNNEL_POOL_SIZE;
  const tunnels: TunnelPool | undefined =
    tunnelSize > 0 ? startTunnelPool({ clients, kube, size: tunnelSize, allowImpersonation: opts.allowImpersonation, preview, logger: log, signal: stop.signal, backoff: opts.backoff }) : undefined;
  const probeDone = runClusterProbe({ kube, status: clients.status, logger: log, signal: stop.signal, intervalMs: opts.clusterProbeIntervalMs });
  const obs = opts.observabilityAddress ? await listenObservability(opts.observabilityAddress, metrics, () => configured) : undefined;
  metrics.gaugeFn("agentk_manifest_project_workers", "Workers running (one per manifest project)", () => workers?.size ?? 0);
  metrics.gaugeFn("agentk_tunnels_idle", "Reverse tunnels registered with kas and waiting for a request", () => tunnels?.stats.idle ?? 0);
  metrics.gaugeFn("agentk_tunnel_requests_open", "Kubernetes API requests from kas being served now", () => tunnels?.stats.open ?? 0);
  metrics.gaugeFn("agentk_leader", "1 while this replica holds the leader Lease", () => (opts.leaderElection === false || (leading && !leading.aborted) ? 1 : 0));
  return {
    metrics,
    observabilityPort: obs?.port,
    tunnels: tunnels?.stats,
    isLeader: () => opts.leaderElection === false || (leading !== undefined && !leading.aborted),
    close: async () => {
      stop.abort();
      await workers?.stop();
      await configDone;
      await probeDone;
      await tunnels?.done;
      clients.close();
      await target.close();
      await obs?.close();
      kube.close();
    },
  };
}
