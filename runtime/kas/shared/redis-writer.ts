/**
 * Writes this replica's state through to Redis. A change marks a key dirty;
 * the flush reads the latest local value then, so while Redis is away the
 * backlog is a set of keys (at most one per agent and project), never a queue
 * of values. Each write merges into what the store holds (merge.ts), under
 * WATCH so two replicas writing one agent never lose the other's word.
 */
import type Redis from "ioredis";
import { F, type Logger } from "../../common";
import { mergeAgent, mergeCommitEntries } from "./merge";
import type { AgentState, CommitEntry, LocalState } from "./records";
import { livePresence, presenceValue, PRESENCE_TTL_MS, RECORD_REFRESH_MS, RECORD_TTL_MS, type RedisKeys } from "./redis-keys";

export interface RedisWriterOptions {
  readonly client: Redis;
  readonly keys: RedisKeys;
  readonly local: LocalState;
  readonly replicaId: string;
  readonly maxCommits: number;
  readonly ready: () => boolean;
  readonly logger: Logger;
  readonly now?: () => number;
}

const WATCH_RETRIES = 5;

export class RedisWriter {
  private readonly agents = new Set<string>();
  private readonly commits = new Map<string, Set<string>>();
  private running?: Promise<void>;
  private readonly now: () => number;
  /** When each connected agent's record was last written whole (refreshPresence rewrites it past RECORD_REFRESH_MS). */
  private readonly recordWritten = new Map<string, number>();

  constructor(private readonly o: RedisWriterOptions) {
    this.now = o.now ?? Date.now;
  }

  agentChanged(agentId: string): void {
    this.agents.add(agentId);
    this.schedule();
  }

  commitsChanged(agentId: string, projectId: string): void {
    let s = this.commits.get(agentId);
    if (!s) this.commits.set(agentId, (s = new Set()));
    s.add(projectId);
    this.schedule();
  }

  /** Redis is back (or first connected): write everything this replica holds again. */
  reconcile(): void {
    for (const id of this.o.local.agentIds()) {
      this.agents.add(id);
      for (const p of this.o.local.commitProjects(id)) this.commitsChanged(id, p);
    }
    this.schedule();
  }

  /**
   * Presence expires unless refreshed: this replica's entries of the agents
   * connected here, in one pipeline (HSET + PEXPIRE per agent, one round
   * trip for all). An agent with a write pending gets its presence from that
   * write; one whose record was written longer than RECORD_REFRESH_MS ago is
   * written whole (record TTL, index score, other replicas' expired entries).
   * A failed refresh is not retried: the next one comes within a third of the TTL.
   */
  async refreshPresence(): Promise<void> {
    if (!this.o.ready()) return;
    const { client, keys, local } = this.o;
    const now = this.now();
    const p = client.pipeline();
    let n = 0;
    for (const id of local.agentIds()) {
      const streams = local.agent(id)?.open_streams ?? 0;
      if (streams === 0 || this.agents.has(id)) continue;
      if (now - (this.recordWritten.get(id) ?? 0) >= RECORD_REFRESH_MS) {
        this.agentChanged(id);
        continue;
      }
      p.hset(keys.presence(id), this.o.replicaId, presenceValue(now + PRESENCE_TTL_MS, streams, local.tunnelStreams(id))).pexpire(keys.presence(id), PRESENCE_TTL_MS);
      n++;
    }
    if (n === 0) return;
    try {
      for (const [err] of (await p.exec()) ?? []) if (err) throw err;
    } catch (err) {
      this.o.logger.debug("Redis presence refresh failed; the next one comes within the TTL", { [F.error]: err instanceof Error ? err.message : String(err) });
    }
  }

  /** Keys still to write (tests, and a bound: at most agents + agents x projects). */
  get pending(): number {
    let n = this.agents.size;
    for (const s of this.commits.values()) n += s.size;
    return n;
  }

  /** Resolves once every dirty key was written (or Redis went away again); one loop at a time. */
  flush(): Promise<void> {
    this.running ??= this.loop().finally(() => {
      this.running = undefined;
      // A change that arrived as the loop ended.
      if (this.pending > 0 && this.o.ready()) void this.flush();
    });
    return this.running;
  }

  private async loop(): Promise<void> {
    while (this.o.ready() && (this.agents.size > 0 || this.commits.size > 0)) await this.writeOne();
  }

  private schedule(): void {
    if (this.o.ready()) void this.flush();
  }

  private async writeOne(): Promise<void> {
    const [agentId] = this.agents;
    if (agentId !== undefined) {
      this.agents.delete(agentId);
      return this.attempt(() => this.writeAgent(agentId), () => this.agents.add(agentId));
    }
    const [entry] = this.commits;
    if (!entry) return;
    const [id, projects] = entry;
    const [project] = projects;
    projects.delete(project as string);
    if (projects.size === 0) this.commits.delete(id);
    return this.attempt(() => this.writeCommits(id, project as string), () => this.commitsChanged(id, project as string));
  }

  private async attempt(write: () => Promise<void>, requeue: () => void): Promise<void> {
    try {
      await write();
    } catch (err) {
      requeue();
      this.o.logger.debug("Redis write failed; kept to write again", { [F.error]: err instanceof Error ? err.message : String(err) });
      if (this.o.ready()) await new Promise((r) => setTimeout(r, 100));
    }
  }

  private async writeAgent(agentId: string): Promise<void> {
    const local = this.o.local.agent(agentId);
    if (!local) return;
    const { client, keys } = this.o;
    const now = this.now();
    const presenceKey = keys.presence(agentId);
    const hash = await client.hgetall(presenceKey);
    const live = new Set(livePresence(hash, now).map((p) => p.replica));
    const expired = Object.keys(hash).filter((r) => r !== this.o.replicaId && !live.has(r));
    const m = client.multi();
    if (local.open_streams > 0) m.hset(presenceKey, this.o.replicaId, presenceValue(now + PRESENCE_TTL_MS, local.open_streams, this.o.local.tunnelStreams(agentId))).pexpire(presenceKey, PRESENCE_TTL_MS);
    else m.hdel(presenceKey, this.o.replicaId);
    if (expired.length > 0) m.hdel(presenceKey, ...expired);
    await m.exec();
    await this.watched(keys.agent(agentId), (tx, raw) => {
      const merged = mergeAgent(parse<AgentState>(raw), local);
      tx.set(keys.agent(agentId), JSON.stringify({ ...merged, open_streams: 0, connected: false }), "PX", RECORD_TTL_MS);
      // A connected agent stays indexed however long since its last change (its record is rewritten with each presence refresh).
      tx.zadd(keys.agents, local.open_streams > 0 ? now : Date.parse(merged.last_seen) || now, agentId);
      tx.zremrangebyscore(keys.agents, "-inf", now - RECORD_TTL_MS);
    }, (c, k) => c.get(k));
    if (local.open_streams > 0) this.recordWritten.set(agentId, now);
    else this.recordWritten.delete(agentId);
  }

  private async writeCommits(agentId: string, projectId: string): Promise<void> {
    const local = this.o.local.commitEntries(agentId, projectId);
    const key = this.o.keys.commits(agentId);
    await this.watched(key, (tx, raw) => {
      const merged = mergeCommitEntries(parse<CommitEntry[]>(raw) ?? [], local, this.o.maxCommits);
      tx.hset(key, projectId, JSON.stringify(merged)).pexpire(key, RECORD_TTL_MS);
    }, (c, k) => c.hget(k, projectId));
  }

  /** Read-merge-write of one key under WATCH; retried when another replica wrote it meanwhile. */
  private async watched(key: string, write: (tx: ReturnType<Redis["multi"]>, raw: string | null) => void, read: (c: Redis, key: string) => Promise<string | null>): Promise<void> {
    const { client } = this.o;
    for (let i = 0; i < WATCH_RETRIES; i++) {
      await client.watch(key);
      const raw = await read(client, key);
      const tx = client.multi();
      write(tx, raw);
      if ((await tx.exec()) !== null) return;
    }
    throw new Error(`${key}: written by other replicas ${WATCH_RETRIES} times while merging`);
  }
}

function parse<T>(raw: string | null | undefined): T | undefined {
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return undefined;
  }
}
