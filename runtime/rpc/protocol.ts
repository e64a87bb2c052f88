import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import type {
  ConfigurationRequest,
  ConfigurationResponse,
  ObjectsToSynchronizeRequest,
  ObjectsToSynchronizeResponse,
  SyncStatusAck,
  SyncStatusReport,
  ClusterStatusReport,
} from "./messages";
import type { TunnelDown, TunnelUp } from "./tunnel-messages";

export const PROTO_FILE = path.join(__dirname, "proto", "gitops_agent.proto");

/** Decoding options both sides use; messages.ts describes what they produce. */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  arrays: true,
  oneofs: true,
};

export const SERVICE_NAMES = {
  configuration: "gitops.agent.v1.AgentConfigurationService",
  gitops: "gitops.agent.v1.GitopsService",
  status: "gitops.agent.v1.AgentStatusService",
  tunnel: "gitops.agent.v1.ReverseTunnelService",
} as const;

let cached: protoLoader.PackageDefinition | undefined;

export function packageDefinition(): protoLoader.PackageDefinition {
  cached ??= protoLoader.loadSync(PROTO_FILE, LOADER_OPTIONS);
  return cached;
}

function serviceDefinition(name: string): grpc.ServiceDefinition {
  const def = packageDefinition()[name];
  if (!def || !["GetConfiguration", "GetObjectsToSynchronize", "ReportSyncStatus", "Connect"].some((m) => m in def)) {
    throw new Error(`service ${name} not found in ${PROTO_FILE}`);
  }
  return def as unknown as grpc.ServiceDefinition;
}

/** The services, for grpc.Server#addService. */
export function serviceDefinitions(): Record<keyof typeof SERVICE_NAMES, grpc.ServiceDefinition> {
  return {
    configuration: serviceDefinition(SERVICE_NAMES.configuration),
    gitops: serviceDefinition(SERVICE_NAMES.gitops),
    status: serviceDefinition(SERVICE_NAMES.status),
    tunnel: serviceDefinition(SERVICE_NAMES.tunnel),
  };
}

/** Server-side handler shapes. */
export interface ConfigurationHandlers extends grpc.UntypedServiceImplementation {
  GetConfiguration: grpc.handleServerStreamingCall<ConfigurationRequest, ConfigurationResponse>;
}
export interface GitopsHandlers extends grpc.UntypedServiceImplementation {
  GetObjectsToSynchronize: grpc.handleServerStreamingCall<ObjectsToSynchronizeRequest, ObjectsToSynchronizeResponse>;
}
export interface StatusHandlers extends grpc.UntypedServiceImplementation {
  ReportSyncStatus: grpc.handleUnaryCall<SyncStatusReport, SyncStatusAck>;
  ReportClusterStatus: grpc.handleUnaryCall<ClusterStatusReport, SyncStatusAck>;
}

export interface TunnelHandlers extends grpc.UntypedServiceImplementation {
  Connect: grpc.handleBidiStreamingCall<TunnelUp, TunnelDown>;
}

/**
 * Client-side stubs. Metadata is optional: agentk's channel carries the token
 * (client/bindAgentToken); tests pass it to send a wrong one.
 */
export interface ConfigurationClient extends grpc.Client {
  GetConfiguration(
    request: ConfigurationRequest,
    metadata?: grpc.Metadata,
    options?: Partial<grpc.CallOptions>,
  ): grpc.ClientReadableStream<ConfigurationResponse>;
}
export interface GitopsClient extends grpc.Client {
  GetObjectsToSynchronize(
    request: ObjectsToSynchronizeRequest,
    metadata?: grpc.Metadata,
    options?: Partial<grpc.CallOptions>,
  ): grpc.ClientReadableStream<ObjectsToSynchronizeResponse>;
}
export interface StatusClient extends grpc.Client {
  ReportSyncStatus(
    request: SyncStatusReport,
    options: Partial<grpc.CallOptions>,
    callback: (err: grpc.ServiceError | null, ack?: SyncStatusAck) => void,
  ): grpc.ClientUnaryCall;
  ReportSyncStatus(
    request: SyncStatusReport,
    metadata: grpc.Metadata,
    options: Partial<grpc.CallOptions>,
    callback: (err: grpc.ServiceError | null, ack?: SyncStatusAck) => void,
  ): grpc.ClientUnaryCall;
  ReportClusterStatus(
    request: ClusterStatusReport,
    options: Partial<grpc.CallOptions>,
    callback: (err: grpc.ServiceError | null, ack?: SyncStatusAck) => void,
  ): grpc.ClientUnaryCall;
}

export interface TunnelClient extends grpc.Client {
  Connect(metadata?: grpc.Metadata, options?: Partial<grpc.CallOptions>): grpc.ClientDuplexStream<TunnelUp, TunnelDown>;
}

export interface Clients {
  readonly configuration: ConfigurationClient;
  readonly gitops: GitopsClient;
  readonly status: StatusClient;
  readonly tunnel: TunnelClient;
  close(): void;
}

/**
 * One client per service, sharing a channel (grpc-js reuses the subchannel
 * for the same target and options), so an agent holds one connection to kas.
 */
export function createClients(target: string, credentials: grpc.ChannelCredentials, options: grpc.ClientOptions = {}): Clients {
  const defs = serviceDefinitions();
  const make = <T extends grpc.Client>(def: grpc.ServiceDefinition): T => {
    const Ctor = grpc.makeGenericClientConstructor(def, "");
    // A copy each: grpc-js's Client deletes `interceptors` from the options it is given.
    return new Ctor(target, credentials, { ...options }) as unknown as T;
  };
  const configuration = make<ConfigurationClient>(defs.configuration);
  const gitops = make<GitopsClient>(defs.gitops);
  const status = make<StatusClient>(defs.status);
  const tunnel = make<TunnelClient>(defs.tunnel);
  return {
    configuration,
    gitops,
    status,
    tunnel,
    close: () => {
      configuration.close();
      gitops.close();
      status.close();
      tunnel.close();
    },
  };
}

export const AUTHORIZATION_HEADER = "authorization";

/** `authorization: Bearer <token>` metadata for every RPC. */
export function bearerMetadata(token: string): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set(AUTHORIZATION_HEADER, `Bearer ${token}`);
  return md;
}
