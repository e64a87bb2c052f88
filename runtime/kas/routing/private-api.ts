/**
 * kas.yaml `private_api`: this replica's kas-to-kas listener (the forward
 * service) and the routing that uses the other replicas' (RoutingTunnels).
 * Without private_api kas routes nothing: one replica, today's behaviour.
 */
import * as grpc from "@grpc/grpc-js";
import type { Logger, Metrics } from "../../common";
import { privateTunnelServiceDefinition } from "../../rpc";
import type { AgentLocator } from "../shared/presence";
import type { TunnelRegistry } from "../tunnel";
import { forwardHandlers, type ForwardServiceDeps } from "./forward-service";
import { PRIVATE_API_IDLE_CONNECTION_MS, PRIVATE_API_MAX_CONCURRENT_STREAMS, PRIVATE_API_MAX_MESSAGE_BYTES } from "./limits";
import { ReplicaClients } from "./replica-clients";
import { RoutingTunnels } from "./routing-tunnels";
import { serverCredentials, type PrivateApiTls } from "./tls";

export interface PrivateApiDeps {
  /** host:port to listen on (private_api.listen.address). */
  readonly address: string;
  /** The replicas' shared secret (private_api.listen.authentication_secret_file's content). */
  readonly secret: string;
  readonly locator: AgentLocator;
  readonly local: TunnelRegistry;
  readonly connectedHere: (agentId: string) => boolean;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Test hook: the forward service's timeouts. */
  readonly timeouts?: ForwardServiceDeps["timeouts"];
  /** TLS served and expected of grpcs:// replicas (kas.yaml private_api certificate_file, key_file, ca_certificate_file, server_name). */
  readonly tls?: PrivateApiTls;
  /** Test hook: PRIVATE_API_IDLE_CONNECTION_MS. */
  readonly idleConnectionMs?: number;
}

export interface RunningPrivateApi {
  readonly port: number;
  /** Tunnels here or on another replica. */
  readonly tunnels: RoutingTunnels;
  close(): Promise<void>;
}

export async function startPrivateApi(deps: PrivateApiDeps): Promise<RunningPrivateApi> {
  const secret = Buffer.from(deps.secret, "utf8");
  const server = new grpc.Server({
    "grpc.max_receive_message_length": PRIVATE_API_MAX_MESSAGE_BYTES,
    "grpc.max_concurrent_streams": PRIVATE_API_MAX_CONCURRENT_STREAMS,
    "grpc.keepalive_time_ms": 30_000,
    "grpc.keepalive_timeout_ms": 10_000,
    "grpc.keepalive_permit_without_calls": 1,
    "grpc.http2.min_ping_interval_without_data_ms": 5_000,
    "grpc.max_connection_idle_ms": deps.idleConnectionMs ?? PRIVATE_API_IDLE_CONNECTION_MS,
  });
  server.addService(privateTunnelServiceDefinition(), forwardHandlers({ tunnels: deps.local, secret, logger: deps.logger, metrics: deps.metrics, timeouts: deps.timeouts }));
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(deps.address, serverCredentials(deps.tls), (err, p) => (err ? reject(new Error(`private_api.listen.address: cannot listen on ${deps.address}: ${err.message}`)) : resolve(p))),
  );
  // A replica serving TLS calls only replicas that do: a plain URL in the store is skipped (misconfigured, or not a replica's).
  const clients = new ReplicaClients({ ...deps.tls?.call, tlsOnly: deps.tls?.serve !== undefined });
  const tunnels = new RoutingTunnels({ local: deps.local, connectedHere: deps.connectedHere, locator: deps.locator, clients, secret, logger: deps.logger, metrics: deps.metrics });
  return {
    port,
    tunnels,
    close: () => {
      clients.close();
      server.forceShutdown();
      return Promise.resolve();
    },
  };
}
