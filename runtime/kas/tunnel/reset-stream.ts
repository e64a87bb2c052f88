import * as http2 from "node:http2";

/**
 * The HTTP/2 stream under a grpc-js server call. grpc-js offers no way to
 * cancel a server call, and the status it sends on error waits behind the
 * data already queued: for a peer that never reads, forever, with the stream
 * open and its buffer held. So we reach the stream through grpc-js's call
 * objects (ServerWritableStreamImpl.call -> ServerInterceptingCall.nextCall*
 * -> BaseServerInterceptingCall.stream); the abuse suite fails if a grpc-js
 * upgrade moves it.
 */
function http2StreamOf(call: unknown): http2.Http2Stream | undefined {
  let node: unknown = (call as { call?: unknown }).call;
  for (let depth = 0; depth < 8 && node !== null && typeof node === "object"; depth++) {
    const stream = (node as { stream?: unknown }).stream;
    if (isHttp2Stream(stream)) return stream;
    node = (node as { nextCall?: unknown }).nextCall;
  }
  return undefined;
}

/** node:http2 exports no Http2Stream class to test against: recognise one by what we use of it. */
function isHttp2Stream(s: unknown): s is http2.Http2Stream {
  return s !== null && typeof s === "object" && typeof (s as { close?: unknown }).close === "function" && "rstCode" in s && "session" in s;
}

/** Resets a server call's stream (RST_STREAM CANCEL), freeing what it queued. False when the stream cannot be reached. */
export function resetServerCall(call: unknown): boolean {
  const stream = http2StreamOf(call);
  if (!stream) return false;
  if (!stream.closed && !stream.destroyed) stream.close(http2.constants.NGHTTP2_CANCEL);
  return true;
}
