import { AsyncLocalStorage } from "node:async_hooks";

/**
 * The remote address of a gRPC call that came through the WebSocket tunnel.
 * grpc-js reads a call's peer from its HTTP/2 session's socket; for an
 * injected connection (a WebSocket as a Duplex) Node wraps the stream in a
 * socket without an address, so getPeer() says "unknown". Instead, the
 * tunnel runs its connection's injection and every delivery of bytes inside
 * this context: the HTTP/2 session and its streams are created there, so the
 * call handlers grpc-js runs for them (and what they await) see the address.
 * A plain gRPC connection never runs inside it.
 */
const tunnelPeer = new AsyncLocalStorage<string>();

/** Runs `fn` (an injection, a delivery of tunnel bytes) as the tunnel from `peer` (`address:port`). */
export function asTunnelPeer<T>(peer: string, fn: () => T): T {
  return tunnelPeer.run(peer, fn);
}

/** A call's remote `address:port`: grpc-js's, else the WebSocket's it came through, else "unknown". */
export function callPeer(call: { getPeer(): string }): string {
  const peer = call.getPeer();
  return peer === "unknown" ? (tunnelPeer.getStore() ?? peer) : peer;
}
