/**
 * Idle agent tunnels by agent id, and the requests that take them. Bounded:
 * at most `maxIdlePerAgent` idle tunnels (the agent asks for its pool size,
 * kas refuses the rest), at most `maxRequestsPerAgent` requests in use or
 * waiting per agent. A tunnel leaves the registry when its stream ends (the
 * agent disconnects, its token is revoked, the request finishes).
 */
import type { AgentTunnel } from "./tunnel";

export interface TunnelLimits {
  readonly maxIdlePerAgent: number;
  readonly maxRequestsPerAgent: number;
}

export interface AcquireOptions {
  readonly signal?: AbortSignal;
  /** How long to wait for an idle tunnel when the agent is connected but has none free. Default 10 s. */
  readonly timeoutMs?: number;
}

/** Why no tunnel: "not_connected", "no_tunnel" (waited), "busy" (limit), "aborted". */
export class TunnelUnavailableError extends Error {
  override readonly name = "TunnelUnavailableError";
  constructor(
    message: string,
    readonly reason: "not_connected" | "no_tunnel" | "busy" | "aborted",
  ) {
    super(message);
  }
}

/** The HTTP status and Kubernetes reason a request gets when no tunnel is to be had (the proxy's and the console's). */
export const UNAVAILABLE_HTTP: Readonly<Record<TunnelUnavailableError["reason"], readonly [number, string]>> = {
  not_connected: [503, "ServiceUnavailable"],
  no_tunnel: [503, "ServiceUnavailable"],
  busy: [429, "TooManyRequests"],
  aborted: [499, "ClientClosedRequest"],
};

interface Waiter {
  readonly take: (t: AgentTunnel) => void;
}

interface AgentTunnels {
  readonly idle: Set<AgentTunnel>;
  inUse: number;
  readonly waiters: Waiter[];
}

export interface TunnelCounts {
  readonly idle: number;
  readonly inUse: number;
  readonly waiting: number;
}

export class TunnelRegistry {
  private readonly agents = new Map<string, AgentTunnels>();

  constructor(
    private readonly limits: TunnelLimits,
    /** Whether the agent holds any stream to this kas (an agent that does not fails at once). */
    private readonly connected: (agentId: string) => boolean,
  ) {}

  /** Takes a registered tunnel: to a waiting request, else idle. False when the agent already has its maximum idle. */
  offer(tunnel: AgentTunnel): boolean {
    if (tunnel.life.ended) return true;
    const a = this.agent(tunnel.agentId);
    const waiter = a.waiters.shift();
    if (waiter) {
      this.use(a, tunnel);
      waiter.take(tunnel);
      return true;
    }
    if (a.idle.size >= this.limits.maxIdlePerAgent) return false;
    a.idle.add(tunnel);
    tunnel.life.onEnd(() => {
      a.idle.delete(tunnel);
      this.forget(tunnel.agentId, a);
    });
    return true;
  }

  /** An idle tunnel of `agentId`, marked in use until its stream ends; the caller must request() or cancel() it. */
  acquire(agentId: string, opts: AcquireOptions = {}): Promise<AgentTunnel> {
    const a = this.agent(agentId);
    if (a.inUse + a.waiters.length >= this.limits.maxRequestsPerAgent) {
      this.forget(agentId, a);
      return Promise.reject(new TunnelUnavailableError(`agent ${agentId} already has ${a.inUse + a.waiters.length} requests in flight; at most ${this.limits.maxRequestsPerAgent}`, "busy"));
    }
    const idle = a.idle.values().next();
    if (!idle.done) {
      a.idle.delete(idle.value);
      this.use(a, idle.value);
      return Promise.resolve(idle.value);
    }
    if (!this.connected(agentId)) {
      this.forget(agentId, a);
      return Promise.reject(new TunnelUnavailableError(`agent ${agentId} is not connected`, "not_connected"));
    }
    const timeoutMs = opts.timeoutMs ?? 10_000;
    // A dependent signal: callers may share one signal across many waits, and a listener each on it would pass Node's warning at 11.
    const signal = opts.signal && AbortSignal.any([opts.signal]);
    return new Promise<AgentTunnel>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        const i = a.waiters.indexOf(waiter);
        if (i >= 0) a.waiters.splice(i, 1);
        this.forget(agentId, a);
      };
      const fail = (err: TunnelUnavailableError): void => {
        done();
        reject(err);
      };
      const waiter: Waiter = {
        take: (t) => {
          done();
          resolve(t);
        },
      };
      const onAbort = (): void => fail(new TunnelUnavailableError(`waiting for a tunnel of agent ${agentId}: aborted`, "aborted"));
      const timer = setTimeout(() => fail(new TunnelUnavailableError(`agent ${agentId} has no connected tunnel (waited ${timeoutMs} ms)`, "no_tunnel")), timeoutMs);
      if (signal?.aborted) return onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });
      a.waiters.push(waiter);
    });
  }

  counts(agentId: string): TunnelCounts {
    const a = this.agents.get(agentId);
    return { idle: a?.idle.size ?? 0, inUse: a?.inUse ?? 0, waiting: a?.waiters.length ?? 0 };
  }

  totals(): TunnelCounts {
    let idle = 0;
    let inUse = 0;
    let waiting = 0;
    for (const a of this.agents.values()) {
      idle += a.idle.size;
      inUse += a.inUse;
      waiting += a.waiters.length;
    }
    return { idle, inUse, waiting };
  }

  private use(a: AgentTunnels, tunnel: AgentTunnel): void {
    a.inUse++;
    tunnel.life.onEnd(() => {
      a.inUse--;
      this.forget(tunnel.agentId, a);
    });
  }

  private agent(agentId: string): AgentTunnels {
    let a = this.agents.get(agentId);
    if (!a) {
      a = { idle: new Set(), inUse: 0, waiters: [] };
      this.agents.set(agentId, a);
    }
    return a;
  }

  /** Drops an agent's entry once it holds nothing, so the map is bounded by agents with tunnels. */
  private forget(agentId: string, a: AgentTunnels): void {
    if (a.idle.size === 0 && a.inUse === 0 && a.waiters.length === 0 && this.agents.get(agentId) === a) this.agents.delete(agentId);
  }
}
