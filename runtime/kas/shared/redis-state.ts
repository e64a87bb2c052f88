/**
 * SharedState in Redis (kas.yaml `redis`): every replica writes its agents
 * through (redis-writer.ts) and reads the merged view, so the agents API, the
 * page, commit_status and kas_agents_connected answer the same on each
 * replica and after a restart. Without Redis, reads answer this replica's own
 * view marked `unavailable`, and when Redis returns the replica writes all it
 * holds again (reconcile).
 */
import { F, type Logger } from "../../common";
import { localAgentsView, localCommitsView } from "./memory";
import { byName, withPresence } from "./merge";
import type { AgentsView, AgentState, CommitEntry, CommitsView, LocalState } from "./records";
import type { RedisConnections } from "./redis-client";
import { forwardOrder, livePresence, PRESENCE_REFRESH_MS, redisKeys, type RedisKeys } from "./redis-keys";
import { RedisWriter } from "./redis-writer";
import type { SharedState, SharedStateFactory } from "./shared-state";

export interface RedisSharedStateOptions {
  readonly redis: RedisConnections;
  /** This replica in presence entries: its private API URL, or a generated id. */
  readonly replicaId: string;
  readonly logger: Logger;
  /** How long a read of the whole view is reused (a flood of GETs costs one read per period). Default 250 ms. */
  readonly viewCacheMs?: number;
}

export function redisSharedState(o: RedisSharedStateOptions): SharedStateFactory {
  return (local) => new RedisSharedState(o, local);
}

class RedisSharedState implements SharedState {
  readonly kind = "redis";
  private readonly keys: RedisKeys;
  private readonly writer: RedisWriter;
  private readonly timer: NodeJS.Timeout;
  private view?: { at: number; value: Promise<AgentsView> };
  private lastConnected = 0;
  private readonly onReady = (): void => this.writer.reconcile();

  constructor(
    private readonly o: RedisSharedStateOptions,
    private readonly local: LocalState,
  ) {
    this.keys = redisKeys(o.redis.keyPrefix);
    this.writer = new RedisWriter({ client: o.redis.client, keys: this.keys, local, replicaId: o.replicaId, maxCommits: local.maxCommits, ready: o.redis.ready, logger: o.logger });
    o.redis.client.on("ready", this.onReady);
    // Presence expires unless refreshed: this replica's entries of the agents connected here, one pipeline a tick.
    this.timer = setInterval(() => void this.writer.refreshPresence(), PRESENCE_REFRESH_MS);
    this.timer.unref();
    if (o.redis.ready()) this.writer.reconcile();
  }

  agentChanged(agentId: string): void {
    this.view = undefined;
    this.writer.agentChanged(agentId);
  }

  commitsChanged(agentId: string, projectId: string): void {
    this.writer.commitsChanged(agentId, projectId);
  }

  /** One presence refresh now, as the timer does every PRESENCE_REFRESH_MS (tests). */
  refreshPresence(): Promise<void> {
    return this.writer.refreshPresence();
  }

  /** Resolves when this replica's changes are in Redis (tests). */
  flushed(): Promise<void> {
    return this.writer.flush();
  }

  agents(): Promise<AgentsView> {
    const now = Date.now();
    if (this.view && now - this.view.at < (this.o.viewCacheMs ?? 250)) return this.view.value;
    const value = this.readAgents().then((v) => {
      this.lastConnected = v.agents.filter((a) => a.connected).length;
      return v;
    });
    this.view = { at: now, value };
    return value;
  }

  private async readAgents(): Promise<AgentsView> {
    if (!this.o.redis.ready()) return localAgentsView(this.local, "unavailable");
    try {
      const { client } = this.o.redis;
      const ids = await client.zrange(this.keys.agents, 0, -1);
      const p = client.pipeline();
      for (const id of ids) p.get(this.keys.agent(id)).hgetall(this.keys.presence(id));
      const res = (await p.exec()) ?? [];
      const now = Date.now();
      const agents: AgentState[] = [];
      ids.forEach((_id, i) => {
        const [e1, raw] = res[2 * i] ?? [];
        const [e2, hash] = res[2 * i + 1] ?? [];
        if (e1 || e2) throw e1 ?? e2;
        if (typeof raw !== "string") return; // expired since the index was read
        const streams = new Map(livePresence(hash as Record<string, string>, now).map((l) => [l.replica, l.streams]));
        agents.push(withPresence(JSON.parse(raw) as AgentState, streams));
      });
      return { status: "shared", agents: byName(agents) };
    } catch (err) {
      this.o.logger.debug("Redis read failed; answering from this replica", { [F.error]: err instanceof Error ? err.message : String(err) });
      return localAgentsView(this.local, "unavailable");
    }
  }

  async commits(agentId: string): Promise<CommitsView> {
    if (!this.o.redis.ready()) return localCommitsView(this.local, agentId, "unavailable");
    try {
      const { client } = this.o.redis;
      const [raw, hash] = await Promise.all([client.get(this.keys.agent(agentId)), client.hgetall(this.keys.commits(agentId))]);
      const commits = new Map<string, readonly CommitEntry[]>();
      for (const [project, list] of Object.entries(hash)) commits.set(project, JSON.parse(list) as CommitEntry[]);
      return { status: "shared", commits, ...(raw ? { agent: JSON.parse(raw) as AgentState } : {}) };
    } catch {
      return localCommitsView(this.local, agentId, "unavailable");
    }
  }

  connectedCount(): number {
    void this.agents().catch(() => undefined);
    return this.lastConnected;
  }

  async replicasOf(agentId: string): Promise<readonly string[]> {
    if (!this.o.redis.ready()) return [];
    try {
      const hash = await this.o.redis.client.hgetall(this.keys.presence(agentId));
      return forwardOrder(hash, Date.now(), this.o.replicaId);
    } catch {
      return [];
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.o.redis.client.off("ready", this.onReady);
    // What the last moments changed (reports, streams ending) goes out first: a restart must not lose it.
    await new Promise((r) => setImmediate(r));
    await Promise.race([this.writer.flush(), new Promise((r) => setTimeout(r, 3_000).unref())]);
    // Leave no presence behind: the agents' streams end with this replica.
    if (this.o.redis.ready()) {
      const p = this.o.redis.client.pipeline();
      for (const id of this.local.agentIds()) p.hdel(this.keys.presence(id), this.o.replicaId);
      await p.exec().catch(() => undefined);
    }
  }
}
