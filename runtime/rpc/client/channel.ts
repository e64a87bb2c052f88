import * as grpc from "@grpc/grpc-js";
import { AUTHORIZATION_HEADER, bearerMetadata } from "../protocol";

/** Keepalive on every call's channel (set at channel creation, see createClients). */
export const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  "grpc.keepalive_time_ms": 55_000,
  "grpc.keepalive_timeout_ms": 20_000,
  "grpc.keepalive_permit_without_calls": 1,
  "grpc.max_receive_message_length": 8 * 1024 * 1024,
};

/** The agent token as it is now; called for every call, so a rotated token is used from the next call on. */
export type TokenSource = () => string;

/** What createClients needs for a channel that authenticates every call. */
export interface AuthenticatedChannel {
  readonly credentials: grpc.ChannelCredentials;
  readonly options: grpc.ClientOptions;
}

/**
 * Binds the agent token to a channel once, so no call site handles it. On
 * TLS it is call credentials (grpc-js sends them only on secure channels);
 * on a plain channel (grpc://, and the loopback hop of the WebSocket bridge)
 * grpc-js refuses to compose call credentials, so a client interceptor adds
 * the same `authorization` metadata. Metadata a call passes itself wins in
 * both cases (grpc-js appends call credentials after it; the interceptor
 * leaves it alone), which lets tests send a wrong token on purpose.
 * `options` are the channel's (default CHANNEL_OPTIONS, agentk's keepalive).
 */
export function bindAgentToken(credentials: grpc.ChannelCredentials, token: TokenSource, options: grpc.ChannelOptions = CHANNEL_OPTIONS): AuthenticatedChannel {
  if (credentials._isSecure()) {
    const perCall = grpc.credentials.createFromMetadataGenerator((_call, done) => done(null, bearerMetadata(token())));
    return { credentials: grpc.credentials.combineChannelCredentials(credentials, perCall), options };
  }
  return { credentials, options: { ...options, interceptors: [tokenInterceptor(token)] } };
}

function tokenInterceptor(token: TokenSource): grpc.Interceptor {
  return (options, nextCall) =>
    new grpc.InterceptingCall(nextCall(options), {
      start: (metadata, listener, next) => {
        if (metadata.get(AUTHORIZATION_HEADER).length === 0) metadata.merge(bearerMetadata(token()));
        next(metadata, listener);
      },
    });
}
