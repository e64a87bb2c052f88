/**
 * ioredis connections to kas.yaml's `redis`: one for commands, one for
 * pub/sub (a subscribed connection can do nothing else). Commands fail at once
 * while Redis is away (no offline queue: nothing piles up in memory); ioredis
 * reconnects with a capped exponential backoff.
 */
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import type { ConnectionOptions } from "node:tls";
import Redis, { type RedisOptions } from "ioredis";
import { F, rateLimitedLog, type Logger } from "../../common";
import type { RedisConfig } from "../config";
import { readSecretFile } from "../config";

/** Reconnect delays: 100 ms doubling to 5 s, with up to 20 % jitter. */
export function reconnectDelayMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(5_000, 100 * 2 ** Math.min(attempt, 10));
  return Math.round(base * (1 + 0.2 * random()));
}

export interface RedisConnections {
  readonly client: Redis;
  readonly subscriber: Redis;
  readonly keyPrefix: string;
  /** Whether commands can be sent now. */
  ready(): boolean;
  close(): Promise<void>;
}

export function connectRedis(config: RedisConfig, logger: Logger): RedisConnections {
  const password = config.passwordFile ? readSecretFile(config.passwordFile, "redis.password_file") : undefined;
  const options: RedisOptions = {
    host: config.host,
    port: config.port,
    ...(password ? { password } : {}),
    ...(config.tls ? { tls: tlsOptions(config.host, config.tls) } : {}),
    connectTimeout: config.dialTimeoutMs,
    retryStrategy: (times) => reconnectDelayMs(times),
    maxRetriesPerRequest: 1,
    lazyConnect: false,
  };
  const address = `${config.host}:${config.port}`;
  const log = logger.with({ [F.address]: address });
  const logError = rateLimitedLog(log, "warn", "Redis unavailable: kas serves from its own state and retries");
  const client = new Redis({ ...options, enableOfflineQueue: false, connectionName: "kas" });
  // The subscriber queues its (few, bounded) SUBSCRIBE commands until connected; ioredis subscribes again after each reconnect.
  const subscriber = new Redis({ ...options, connectionName: "kas-sub" });
  let wasReady = false;
  client.on("error", (err: Error) => logError({ [F.error]: err.message }));
  subscriber.on("error", () => undefined); // the command connection logs the same outage
  client.on("ready", () => {
    log.info(wasReady ? "Redis available again" : "Redis connected");
    wasReady = true;
  });
  return {
    client,
    subscriber,
    keyPrefix: config.keyPrefix,
    ready: () => client.status === "ready",
    close: async () => {
      await Promise.all([client, subscriber].map(end));
    },
  };
}

/** The server's certificate is checked against the CA file (else the system's CAs) and the host name (SNI only for a name: RFC 6066). */
function tlsOptions(host: string, tls: NonNullable<RedisConfig["tls"]>): ConnectionOptions {
  return { ...(tls.caCertificateFile ? { ca: readFileSync(tls.caCertificateFile) } : {}), ...(isIP(host) ? {} : { servername: host }) };
}

/** Disconnects (no reconnect) and resolves once the socket is gone. */
function end(c: Redis): Promise<void> {
  if (c.status === "end") return Promise.resolve();
  const ended = new Promise<void>((resolve) => c.once("end", () => resolve()));
  c.disconnect(false);
  return Promise.race([ended, new Promise<void>((r) => setTimeout(r, 2_000).unref())]);
}
