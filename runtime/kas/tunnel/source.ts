/**
 * What the Kubernetes API proxy, its upgrades and previews need of a tunnel,
 * wherever the agent is connected: AgentTunnel (this replica) and the private
 * API's remote tunnel (another replica, runtime/kas/routing) both are one.
 */
import type { TunnelRequestHead } from "../../rpc";
import type { AcquireOptions } from "./registry";
import type { TunnelResponse } from "./tunnel";

export interface Tunnel {
  readonly agentId: string;
  /** What the agent registered the tunnel with (TUNNEL_CAPABILITIES). */
  readonly capabilities: readonly string[];
  /** One request; `body` streams to the agent; aborting `signal` cancels it on every side. */
  request(head: TunnelRequestHead, body?: AsyncIterable<Buffer>, signal?: AbortSignal): Promise<TunnelResponse>;
  /** Gives the tunnel back unused, or ends the request in flight. Idempotent. */
  cancel(reason?: string): void;
}

/** Where tunnels come from: TunnelRegistry (this replica's), or routing across replicas. */
export interface TunnelSource {
  /** A tunnel of `agentId`; the caller must request() or cancel() it. Rejects with TunnelUnavailableError. */
  acquire(agentId: string, opts?: AcquireOptions): Promise<Tunnel>;
}
