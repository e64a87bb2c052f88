/**
 * Each agent's ci_access, user_access and manifest projects, shared between
 * kas replicas (issue 20): a CI request or a preview may reach a replica the
 * agent is not connected to, which then authorises it as the replica holding
 * the agent's configuration stream would. The replica that parses an agent's
 * config writes it (one hash field per agent, the whole hash expiring a week
 * after the last write); every replica reads the hash every few seconds, so a
 * lookup stays synchronous and a config change reaches the others within
 * ACCESS_REFRESH_MS. Bounded: one field per agent the registry knows, each no
 * larger than what its config file (at most 128 KiB) says. While Redis is
 * away the last view is kept; when it returns, this replica writes its own
 * agents again.
 */
import { F, rateLimitedLog, type Logger } from "../../common";
import type { ManifestProject } from "../../rpc";
import type { TargetAgent } from "../kubeapi-auth";
import type { RedisConnections } from "./redis-client";
import { RECORD_TTL_MS } from "./redis-keys";

/** What one replica knows of an agent's access, as the others need it. */
export interface SharedAccessEntry {
  readonly target: TargetAgent;
  readonly manifests: readonly ManifestProject[];
}

export interface SharedAccessBook {
  /** This replica parsed the agent's config: tell the others. */
  put(agentId: string, entry: SharedAccessEntry): void;
  /** What the replicas wrote, as last read. */
  get(agentId: string): SharedAccessEntry | undefined;
  /**
   * The agent's entry, read from Redis now when the last view has none (an
   * agent that connected to another replica since the last read): a CI
   * request right after the agent connected is not refused for a few
   * seconds. Misses are remembered for MISS_TTL_MS (bounded), so requests
   * for unknown agents cost Redis at most one read per agent and period.
   */
  fetch(agentId: string): Promise<SharedAccessEntry | undefined>;
  all(): Iterable<SharedAccessEntry>;
  close(): void;
}

/** How often every replica reads the others' entries. */
export const ACCESS_REFRESH_MS = 3_000;
/** How long a lookup that found no entry in Redis is answered from memory. */
export const MISS_TTL_MS = 1_000;
/** Misses remembered at most (a flood of unknown agent ids forgets the oldest). */
export const MAX_MISSES = 1_024;

export function accessHashKey(prefix: string): string {
  return `${prefix}:access`;
}

export function redisAccessBook(redis: RedisConnections, logger: Logger, refreshMs = ACCESS_REFRESH_MS): SharedAccessBook {
  const key = accessHashKey(redis.keyPrefix);
  const own = new Map<string, string>();
  let view = new Map<string, SharedAccessEntry>();
  const warn = rateLimitedLog(logger, "warn", "Shared agent access: Redis unavailable; keeping the last view");
  const write = (agentId: string, json: string): void => {
    if (!redis.ready()) return; // written again when Redis is back (onReady)
    redis.client
      .multi()
      .hset(key, agentId, json)
      .pexpire(key, RECORD_TTL_MS)
      .exec()
      .catch((err: unknown) => warn({ [F.error]: err }));
  };
  const refresh = async (): Promise<void> => {
    if (!redis.ready()) return;
    try {
      const all = await redis.client.hgetall(key);
      const next = new Map<string, SharedAccessEntry>();
      for (const [agentId, json] of Object.entries(all)) {
        const entry = parseEntry(agentId, json);
        if (entry) next.set(agentId, entry);
        else warn({ [F.agentId]: agentId, [F.reason]: "unreadable access entry ignored" });
      }
      view = next;
    } catch (err) {
      warn({ [F.error]: err });
    }
  };
  const onReady = (): void => {
    for (const [agentId, json] of own) write(agentId, json);
    void refresh();
  };
  const misses = new Map<string, number>();
  const fetch = async (agentId: string): Promise<SharedAccessEntry | undefined> => {
    const known = view.get(agentId);
    if (known !== undefined || !redis.ready()) return known;
    const missedAt = misses.get(agentId);
    if (missedAt !== undefined && Date.now() - missedAt < MISS_TTL_MS) return undefined;
    try {
      const json = await redis.client.hget(key, agentId);
      const entry = json === null ? undefined : parseEntry(agentId, json);
      if (entry !== undefined) {
        view.set(agentId, entry);
        misses.delete(agentId);
        return entry;
      }
    } catch (err) {
      warn({ [F.error]: err });
    }
    misses.delete(agentId);
    if (misses.size >= MAX_MISSES) misses.delete(misses.keys().next().value as string);
    misses.set(agentId, Date.now());
    return undefined;
  };
  redis.client.on("ready", onReady);
  const timer = setInterval(() => void refresh(), refreshMs);
  timer.unref();
  void refresh();
  return {
    put: (agentId, entry) => {
      const json = JSON.stringify(entry);
      own.set(agentId, json);
      view.set(agentId, entry);
      write(agentId, json);
    },
    get: (agentId) => view.get(agentId),
    fetch,
    all: () => view.values(),
    close: () => {
      clearInterval(timer);
      redis.client.off("ready", onReady);
    },
  };
}

/** A field as a replica wrote it, or undefined when it is not (a store kas shares with nobody else, but read defensively). */
export function parseEntry(agentId: string, json: string): SharedAccessEntry | undefined {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    return undefined;
  }
  const e = v as Partial<SharedAccessEntry> | null;
  const t = e?.target;
  if (!t || t.agent?.id !== agentId || typeof t.agent.name !== "string" || typeof t.agent.configProjectPath !== "string") return undefined;
  if (!t.ciAccess || !Array.isArray(t.ciAccess.projects) || !Array.isArray(t.ciAccess.groups) || !Array.isArray(e.manifests)) return undefined;
  return e as SharedAccessEntry;
}
