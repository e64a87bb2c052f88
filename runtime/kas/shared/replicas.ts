/**
 * What kas.ts wires when kas.yaml has `redis`: the shared state, the poll
 * leases and the refresh bus, on one pair of Redis connections.
 */
import { randomBytes } from "node:crypto";
import { F, type Logger } from "../../common";
import { OWN_PRIVATE_API_URL_ENV } from "../../common/deploy";
import type { RedisConfig } from "../config";
import { redisAccessBook, type SharedAccessBook } from "./access-book";
import { PollLeases } from "./poll-leases";
import { connectRedis, type RedisConnections } from "./redis-client";
import { redisSharedState } from "./redis-state";
import { RefreshBus } from "./refresh-bus";
import type { SharedStateFactory } from "./shared-state";

export interface Replicas {
  /** This replica in presence entries and leases. */
  readonly replicaId: string;
  readonly redis: RedisConnections;
  readonly sharedState: SharedStateFactory;
  /** Each agent's access (ci_access, user_access, manifest projects) as the replica holding its config wrote it. */
  readonly access: SharedAccessBook;
  /** For ProjectWatcher (git's PollCoordinator). */
  readonly coordinator: { mayPoll(watchKey: string): boolean; release(watchKey: string): void; newCommit(projectId: string): void };
  /** Where a refresh from another replica goes (the watcher's refresh), once the watcher exists. */
  onRefresh(refresh: (projectId: string) => void): void;
  /** Poll leases this replica holds now (kas_git_poll_leases_held). */
  leasesHeld(): number;
  /** A push webhook arrived here: wake the other replicas' watchers too. */
  publishRefresh(projectId: string): void;
  close(): Promise<void>;
}

export interface ReplicasOptions {
  /** Default: env OWN_PRIVATE_API_URL (the private API's own_url), else a generated `replica-<hex>`. */
  readonly replicaId?: string | undefined;
  readonly logger: Logger;
  /** Poll lease TTL (tests shorten it). */
  readonly pollLeaseTtlMs?: number | undefined;
}

export function defaultReplicaId(): string {
  return process.env[OWN_PRIVATE_API_URL_ENV] || `replica-${randomBytes(6).toString("hex")}`;
}

export function connectReplicas(config: RedisConfig, o: ReplicasOptions): Replicas {
  const replicaId = o.replicaId ?? defaultReplicaId();
  const logger = o.logger.with({ component: "kas-replicas" });
  const redis = connectRedis(config, logger);
  const leases = new PollLeases(redis, replicaId, o.pollLeaseTtlMs);
  logger.info("Sharing state with other kas replicas through Redis", { [F.identity]: replicaId });
  let refresh: (projectId: string) => void = () => undefined;
  const bus = new RefreshBus(redis, replicaId, (p) => refresh(p), logger);
  const access = redisAccessBook(redis, logger);
  return {
    replicaId,
    redis,
    sharedState: redisSharedState({ redis, replicaId, logger }),
    access,
    coordinator: {
      mayPoll: (k) => leases.mayPoll(k),
      release: (k) => leases.release(k),
      newCommit: (p) => void bus.publish(p),
    },
    onRefresh: (fn) => void (refresh = fn),
    leasesHeld: () => leases.holding,
    publishRefresh: (p) => void bus.publish(p),
    close: async () => {
      leases.close();
      bus.close();
      access.close();
      // Let the lease releases go out before the connections close.
      await redis.client.ping().catch(() => undefined);
      await redis.close();
    },
  };
}
