/** What one private API message may weigh: a request head (headers up to kubernetes_api.max_header_bytes) or a 32 KiB data chunk, with room. */
export const PRIVATE_API_MAX_MESSAGE_BYTES = 1024 * 1024;
/** Calls one replica's connection may have open at once; more wait for the peer's HTTP/2 stream limit. */
export const PRIVATE_API_MAX_CONCURRENT_STREAMS = 1_000;
