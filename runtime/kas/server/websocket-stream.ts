import { Duplex } from "node:stream";
import type WebSocket from "ws";
import { asTunnelPeer } from "./tunnel-peer";

/**
 * One accepted WebSocket as the byte stream an HTTP/2 session runs on.
 *
 * Why not ws's createWebSocketStream: when the peer's TCP connection dies, it
 * only pushes EOF, never closes, and its `_final` waits for a socket `finish`
 * that never comes. Node wraps a non-socket stream in a JSStreamSocket, which
 * then holds a shutdown request forever and fails an internal assertion on the
 * session's next write (a keepalive ping): an uncaught ERR_INTERNAL_ASSERTION
 * that took kas down (issue 13, item 1). Here every write and shutdown
 * completes, and the WebSocket closing (for any reason) destroys the stream,
 * which closes the HTTP/2 session on it.
 *
 * Bytes are delivered as the tunnel from `peer` (the WebSocket's remote
 * `address:port`), so the calls they carry can name it (tunnel-peer.ts).
 */
export function tunnelStream(ws: WebSocket, peer: string): Duplex {
  const duplex = new Duplex({
    allowHalfOpen: false,
    read() {
      if (ws.isPaused) ws.resume();
    },
    write(chunk: Buffer, _encoding, callback) {
      // The peer is gone: the bytes have nowhere to go, and the close that follows ends the session.
      if (ws.readyState !== ws.OPEN) return callback();
      ws.send(chunk, { binary: true }, (err) => callback(err ?? undefined));
    },
    final(callback) {
      ws.close();
      callback();
    },
    destroy(err, callback) {
      if (ws.readyState !== ws.CLOSED) ws.terminate();
      callback(err);
    },
  });
  ws.on("message", (data: Buffer, isBinary: boolean) => {
    if (!isBinary) return void duplex.destroy(new Error("text frame on a gRPC tunnel: expected binary frames"));
    if (!asTunnelPeer(peer, () => duplex.push(data))) ws.pause();
  });
  ws.once("close", () => {
    duplex.push(null);
    duplex.destroy();
  });
  ws.on("error", (err) => duplex.destroy(err));
  return duplex;
}
