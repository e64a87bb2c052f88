/**
 * Tunnels wherever the agent is connected (issue 20): this replica's own when
 * the agent is connected here, else one on the first other replica the shared
 * store names that has it (falling through to the next when a replica cannot
 * be reached or no longer has the agent, before any byte of the request),
 * else "connected to no replica". The same acquire() the proxy, its upgrades
 * and previews use on one replica.
 */
import * as grpc from "@grpc/grpc-js";
import { F, type Logger, type Metrics } from "../../common";
import type { AgentLocator } from "../shared/presence";
import { TunnelUnavailableError, type AcquireOptions, type Tunnel, type TunnelRegistry, type TunnelSource } from "../tunnel";
import { privateApiMetadata } from "./auth";
import { openRemoteTunnel, ReplicaUnreachableError } from "./remote-tunnel";
import type { ReplicaClients } from "./replica-clients";

export interface RoutingDeps {
  readonly local: TunnelRegistry;
  /** Whether the agent holds a stream to this replica (the registry's own test). */
  readonly connectedHere: (agentId: string) => boolean;
  readonly locator: AgentLocator;
  readonly clients: ReplicaClients;
  readonly secret: Buffer;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

const DEFAULT_ACQUIRE_MS = 10_000;

export class RoutingTunnels implements TunnelSource {
  private readonly forwards;

  constructor(private readonly deps: RoutingDeps) {
    this.forwards = deps.metrics.counter("kas_tunnel_forwards_total", "Tunnel requests for agents not connected here, by result: ok (a tunnel on another replica), not_connected (on none), busy, no_tunnel, aborted; refused (a replica refused this one's token), stale or unreachable: one replica tried and skipped (the agent had left it, or it did not answer)", ["result"]);
  }

  acquire(agentId: string, opts: AcquireOptions = {}): Promise<Tunnel> {
    const { local, connectedHere } = this.deps;
    if (local.counts(agentId).idle > 0 || connectedHere(agentId)) return local.acquire(agentId, opts);
    return this.remote(agentId, opts);
  }

  private async remote(agentId: string, opts: AcquireOptions): Promise<Tunnel> {
    const urls = await this.deps.locator.replicasOf(agentId).catch((err: unknown) => {
      this.deps.logger.warn("cannot ask where the agent is connected; answering as if nowhere", { [F.agentId]: agentId, [F.error]: err });
      return [] as readonly string[];
    });
    let refused = 0;
    for (const url of urls) {
      const client = this.deps.clients.get(url);
      if (!client) {
        this.deps.logger.warn("agent's replica has no usable private API URL (grpc:// or grpcs://host:port; only grpcs:// when this replica serves TLS); skipped", { [F.agentId]: agentId, [F.url]: url });
        continue;
      }
      try {
        const tunnel = await openRemoteTunnel({ client, url, agentId, metadata: privateApiMetadata(this.deps.secret), timeoutMs: opts.timeoutMs ?? DEFAULT_ACQUIRE_MS, signal: opts.signal });
        this.forwards.inc({ result: "ok" });
        return tunnel;
      } catch (err) {
        if (err instanceof TunnelUnavailableError && err.reason !== "not_connected") {
          this.forwards.inc({ result: err.reason });
          throw err;
        }
        if (opts.signal?.aborted) throw new TunnelUnavailableError(`waiting for a tunnel of agent ${agentId}: aborted`, "aborted");
        if (err instanceof ReplicaUnreachableError && err.code === grpc.status.UNAUTHENTICATED) {
          refused++;
          this.forwards.inc({ result: "refused" });
          this.deps.logger.error("a kas replica refused this one's private API token: do the replicas share private_api.listen.authentication_secret_file?", { [F.agentId]: agentId, [F.url]: url, [F.error]: err });
          continue;
        }
        this.forwards.inc({ result: err instanceof TunnelUnavailableError ? "stale" : "unreachable" });
        const level = err instanceof ReplicaUnreachableError ? "warn" : "info";
        this.deps.logger[level]("agent's replica skipped", { [F.agentId]: agentId, [F.url]: url, [F.error]: err });
      }
    }
    this.forwards.inc({ result: "not_connected" });
    throw new TunnelUnavailableError(`agent ${agentId} is not connected to any kas replica${triedWords(urls.length, refused)}`, "not_connected");
  }
}

function triedWords(tried: number, refused: number): string {
  if (tried === 0) return "";
  const replicas = (n: number): string => `${n} other replica${n === 1 ? "" : "s"}`;
  if (refused === 0) return ` (${replicas(tried)} tried)`;
  return ` that accepts this one (${replicas(tried)} tried; ${refused} refused its private API token: every replica needs the same private_api.listen.authentication_secret_file)`;
}
