/** What one private API message may weigh: a request head (headers up to kubernetes_api.max_header_bytes) or a 32 KiB data chunk, with room. */
export const PRIVATE_API_MAX_MESSAGE_BYTES = 1024 * 1024;
/** Calls one replica's connection may have open at once; more wait for the peer's HTTP/2 stream limit. */
export const PRIVATE_API_MAX_CONCURRENT_STREAMS = 1_000;
/**
 * A connection with no call open this long is closed (GOAWAY): a replica's
 * client reconnects on its next call, while a peer that sends frames grpc-js
 * ignores (unknown types, a HEADERS block it cannot decode) or nothing at all
 * does not hold a socket forever.
 */
export const PRIVATE_API_IDLE_CONNECTION_MS = 60_000;
