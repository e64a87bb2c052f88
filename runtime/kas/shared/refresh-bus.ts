/**
 * "Look at this project now", to every replica: a push webhook received by
 * any replica, or the commit the polling replica found, wakes the watchers of
 * all (Redis pub/sub). Messages name the sender so it does not refresh twice.
 */
import { F, type Logger } from "../../common";
import type { RedisConnections } from "./redis-client";
import { redisKeys } from "./redis-keys";

interface RefreshMessage {
  readonly project: string;
  readonly from: string;
}

export class RefreshBus {
  private readonly channel: string;
  private readonly onMessage = (channel: string, raw: string): void => {
    if (channel !== this.channel) return;
    const msg = parseMessage(raw);
    if (!msg || msg.from === this.replicaId) return;
    this.logger.debug("Refresh from another replica", { [F.projectId]: msg.project, [F.identity]: msg.from });
    this.refresh(msg.project);
  };

  constructor(
    private readonly redis: RedisConnections,
    private readonly replicaId: string,
    private readonly refresh: (projectId: string) => void,
    private readonly logger: Logger,
  ) {
    this.channel = redisKeys(redis.keyPrefix).refreshChannel;
    redis.subscriber.on("message", this.onMessage);
    void redis.subscriber.subscribe(this.channel).catch(() => undefined);
  }

  /** Tells the other replicas; false when Redis is away (they will see the commit at their own next poll). */
  publish(projectId: string): boolean {
    if (!this.redis.ready()) return false;
    const msg: RefreshMessage = { project: projectId, from: this.replicaId };
    void this.redis.client.publish(this.channel, JSON.stringify(msg)).catch(() => undefined);
    return true;
  }

  close(): void {
    this.redis.subscriber.off("message", this.onMessage);
  }
}

function parseMessage(raw: string): RefreshMessage | undefined {
  try {
    const v = JSON.parse(raw) as Partial<RefreshMessage>;
    return typeof v.project === "string" && typeof v.from === "string" ? { project: v.project, from: v.from } : undefined;
  } catch {
    return undefined;
  }
}
