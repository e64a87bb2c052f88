/**
 * One private API client (one HTTP/2 connection) per other replica, made on
 * first use: plain gRPC for grpc://, TLS for grpcs:// (the certificate checked
 * against the configured CA and name). Bounded: the URLs come from the shared
 * store, so at most MAX_REPLICA_CLIENTS are kept, the oldest closed first.
 */
import * as grpc from "@grpc/grpc-js";
import { createPrivateTunnelClient, type PrivateTunnelClient } from "../../rpc";
import { PRIVATE_API_MAX_MESSAGE_BYTES } from "./limits";

export const MAX_REPLICA_CLIENTS = 64;

/** grpc://host:port or grpcs://host:port -> host:port; undefined for anything else. */
export function privateApiTarget(url: string): string | undefined {
  const m = /^grpcs?:\/\/(\[[0-9a-fA-F:]+\]|[^:/\s[\]]+):(\d{1,5})$/.exec(url);
  return m ? `${m[1]}:${m[2]}` : undefined;
}

export interface ReplicaClientsOptions {
  /** The CA the replicas' certificates are checked against (default: the system's). */
  readonly ca?: Buffer | undefined;
  /** The name checked in their certificates (default: the URL's host). */
  readonly serverName?: string | undefined;
  /** Only grpcs:// URLs: a plain one is not used. */
  readonly tlsOnly?: boolean | undefined;
}

export class ReplicaClients {
  private readonly clients = new Map<string, PrivateTunnelClient>();

  constructor(private readonly o: ReplicaClientsOptions = {}) {}

  /** The client for `url`, or undefined when it is not grpc://host:port. */
  get(url: string): PrivateTunnelClient | undefined {
    const known = this.clients.get(url);
    if (known) return known;
    const target = privateApiTarget(url);
    const tls = url.startsWith("grpcs://");
    if (target === undefined || (this.o.tlsOnly && !tls)) return undefined;
    if (this.clients.size >= MAX_REPLICA_CLIENTS) {
      const [oldest, client] = this.clients.entries().next().value as [string, PrivateTunnelClient];
      this.clients.delete(oldest);
      client.close();
    }
    const credentials = tls ? grpc.credentials.createSsl(this.o.ca ?? null) : grpc.credentials.createInsecure();
    const client = createPrivateTunnelClient(target, credentials, {
      ...(tls && this.o.serverName ? { "grpc.ssl_target_name_override": this.o.serverName, "grpc.default_authority": this.o.serverName } : {}),
      "grpc.max_receive_message_length": PRIVATE_API_MAX_MESSAGE_BYTES,
      "grpc.keepalive_time_ms": 30_000,
      "grpc.keepalive_timeout_ms": 10_000,
      // A replica that went away answers UNAVAILABLE at once rather than after a reconnect backoff.
      "grpc.initial_reconnect_backoff_ms": 100,
      "grpc.max_reconnect_backoff_ms": 1_000,
    });
    this.clients.set(url, client);
    return client;
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}
