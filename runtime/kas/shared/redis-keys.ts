/**
 * Every key kas writes to Redis, under kas.yaml's `redis.key_prefix`. Each is
 * bounded: one record and one presence hash per agent the registry knows,
 * one commit list per project the agent may read (at most maxCommits each),
 * and each expires unless written again.
 */
export interface RedisKeys {
  /** Sorted set: agent id -> last seen (ms); trimmed of agents unseen for RECORD_TTL_MS. */
  readonly agents: string;
  /** String: the agent's merged record (JSON AgentState without presence). */
  agent(agentId: string): string;
  /** Hash: replica id -> "<expires at ms>:<open streams>:<tunnel streams>"; fields past their time are ignored and removed. */
  presence(agentId: string): string;
  /** Hash: project -> JSON CommitEntry[] (oldest first, at most maxCommits). */
  commits(agentId: string): string;
  /** String: the replica polling this (project, ref), with a TTL it renews. */
  pollLock(watchKey: string): string;
  /** Pub/sub channel: a project to look at now (a webhook, or a poller's new commit). */
  readonly refreshChannel: string;
}

export function redisKeys(prefix: string): RedisKeys {
  return {
    agents: `${prefix}:agents`,
    agent: (id) => `${prefix}:agent:${id}`,
    presence: (id) => `${prefix}:presence:${id}`,
    commits: (id) => `${prefix}:commits:${id}`,
    pollLock: (k) => `${prefix}:poll-lock:${encodeURIComponent(k)}`,
    refreshChannel: `${prefix}:refresh`,
  };
}

/** Reports and commit results are kept a week after an agent's last word (a restart keeps them; a deleted agent's go). */
export const RECORD_TTL_MS = 7 * 24 * 3600_000;
/** A replica's presence entry lives this long unless refreshed... */
export const PRESENCE_TTL_MS = 30_000;
/** ...and a replica refreshes its entries this often (all of them in one pipeline: 2 commands an agent, one round trip). */
export const PRESENCE_REFRESH_MS = 10_000;
/**
 * A connected agent's record and index entry are rewritten at least this
 * often (their TTL is RECORD_TTL_MS), not at every presence refresh: an idle
 * agent then costs Redis 2 commands per PRESENCE_REFRESH_MS.
 */
export const RECORD_REFRESH_MS = 3600_000;

/** "<expires at ms>:<open streams>:<tunnel streams>" */
export function presenceValue(expiresAtMs: number, openStreams: number, tunnels: number): string {
  return `${expiresAtMs}:${openStreams}:${tunnels}`;
}

export interface Presence {
  readonly replica: string;
  readonly expiresAt: number;
  /** Streams of every kind (configuration, objects, tunnels). */
  readonly streams: number;
  readonly tunnels: number;
}

/**
 * Where to forward a tunnel request for an agent not connected here: other
 * replicas with open tunnels first, then those the agent is connected to
 * with none open at the moment (all in use, or the agent's pool reopening
 * them: that replica waits for one, as for its own requests), freshest
 * first within each; never `self`. Skipping the second kind answered 503
 * "not connected to any kas replica" for a connected agent (issue 20 bench).
 */
export function forwardOrder(hash: Record<string, string>, nowMs: number, self: string): string[] {
  const others = livePresence(hash, nowMs).filter((l) => l.replica !== self && (l.tunnels > 0 || l.streams > 0));
  return [...others.filter((l) => l.tunnels > 0), ...others.filter((l) => l.tunnels === 0)].map((l) => l.replica);
}

/** Live replicas of a presence hash, freshest first; expired or malformed fields dropped. */
export function livePresence(hash: Record<string, string>, nowMs: number): Presence[] {
  const live: Presence[] = [];
  for (const [replica, v] of Object.entries(hash)) {
    const m = /^(\d+):(\d+):(\d+)$/.exec(v);
    if (!m) continue;
    const expiresAt = Number(m[1]);
    if (expiresAt > nowMs) live.push({ replica, expiresAt, streams: Number(m[2]), tunnels: Number(m[3]) });
  }
  return live.sort((a, b) => b.expiresAt - a.expiresAt);
}
