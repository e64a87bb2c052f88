/**
 * The kas-to-kas private API (proto/kas_private.proto): the messages as
 * @grpc/proto-loader decodes them with LOADER_OPTIONS, the service, and its
 * client. Both sides are kas; agentk never loads it.
 */
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { LOADER_OPTIONS } from "./protocol";
import type { TunnelRequestHead, TunnelResponseHead } from "./tunnel-messages";

export const PRIVATE_PROTO_FILE = path.join(__dirname, "proto", "kas_private.proto");
export const PRIVATE_TUNNEL_SERVICE = "gitops.kas.private.v1.PrivateTunnelService";

type Empty = Record<string, never>;

/** Why the serving replica has no tunnel (TunnelUnavailableError's reasons that cross replicas). */
export type ForwardUnavailableReason = "not_connected" | "no_tunnel" | "busy";

/** caller -> serving replica. */
export type ForwardRequest =
  | { readonly message: "acquire"; readonly acquire: { readonly agent_id: string; readonly timeout_ms: number } }
  | { readonly message: "request_head"; readonly request_head: TunnelRequestHead }
  | { readonly message: "data"; readonly data: { readonly data: Buffer } }
  | { readonly message: "end"; readonly end: Empty };

/** serving replica -> caller. */
export type ForwardResponse =
  | { readonly message: "acquired"; readonly acquired: { readonly capabilities: readonly string[] } }
  | { readonly message: "unavailable"; readonly unavailable: { readonly reason: string; readonly message: string } }
  | { readonly message: "response_head"; readonly response_head: TunnelResponseHead }
  | { readonly message: "data"; readonly data: { readonly data: Buffer } }
  | { readonly message: "end"; readonly end: Empty }
  | { readonly message: "error"; readonly error: { readonly message: string } };

export interface PrivateTunnelHandlers extends grpc.UntypedServiceImplementation {
  Forward: grpc.handleBidiStreamingCall<ForwardRequest, ForwardResponse>;
}

export interface PrivateTunnelClient extends grpc.Client {
  Forward(metadata?: grpc.Metadata, options?: Partial<grpc.CallOptions>): grpc.ClientDuplexStream<ForwardRequest, ForwardResponse>;
}

let cached: grpc.ServiceDefinition | undefined;

export function privateTunnelServiceDefinition(): grpc.ServiceDefinition {
  if (!cached) {
    const pkg = protoLoader.loadSync(PRIVATE_PROTO_FILE, { ...LOADER_OPTIONS, includeDirs: [path.dirname(PRIVATE_PROTO_FILE)] });
    const def = pkg[PRIVATE_TUNNEL_SERVICE];
    if (!def || !("Forward" in def)) throw new Error(`service ${PRIVATE_TUNNEL_SERVICE} not found in ${PRIVATE_PROTO_FILE}`);
    cached = def as unknown as grpc.ServiceDefinition;
  }
  return cached;
}

export function createPrivateTunnelClient(target: string, credentials: grpc.ChannelCredentials, options: grpc.ClientOptions = {}): PrivateTunnelClient {
  const Ctor = grpc.makeGenericClientConstructor(privateTunnelServiceDefinition(), "");
  return new Ctor(target, credentials, { ...options }) as unknown as PrivateTunnelClient;
}
