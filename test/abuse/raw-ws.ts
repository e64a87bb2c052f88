/** WebSocket tunnel peers that vanish: the TCP connection dropped after the upgrade, or under a live HTTP/2 session. */
import * as http2 from "node:http2";
import * as net from "node:net";
import WebSocket, { createWebSocketStream } from "ws";
import { serviceDefinitions } from "../../runtime/rpc";

/** Upgrades to the tunnel with a valid token, optionally starts HTTP/2, then drops the TCP connection. */
export function upgradeAndDrop(port: number, wsPath: string, token: string, afterUpgrade: "drop" | "preface" | "half-close"): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    let seen = "";
    socket.on("error", () => resolve());
    socket.on("close", () => resolve());
    socket.on("data", (c: Buffer) => {
      seen += c.toString("latin1");
      if (!seen.includes("\r\n\r\n")) return;
      if (!seen.startsWith("HTTP/1.1 101")) return reject(new Error(`upgrade refused: ${seen.split("\r\n")[0]}`));
      if (afterUpgrade === "drop") return socket.destroy();
      // A masked WebSocket binary frame carrying the HTTP/2 client preface: kas's session starts, then the peer vanishes.
      const payload = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
      const mask = Buffer.from([1, 2, 3, 4]);
      const frame = Buffer.concat([Buffer.from([0x82, 0x80 | payload.length]), mask, Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!))]);
      socket.write(frame, () => (afterUpgrade === "preface" ? socket.destroy() : socket.end()));
    });
    socket.write(
      `GET ${wsPath} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${Buffer.from("0123456789abcdef").toString("base64")}\r\nSec-WebSocket-Version: 13\r\n` +
        `Authorization: Bearer ${token}\r\n\r\n`,
    );
  });
}

/**
 * A real HTTP/2 session through the tunnel (what agentk's bridge makes), then
 * the TCP connection destroyed under it: right after the session starts, or
 * 50 ms after opening a GetConfiguration stream. This is what took kas down at
 * its default 30 s keepalive: the session's next ping wrote into the dead stream.
 */
export function sessionThenDrop(port: number, wsPath: string, token: string, withStream: boolean): Promise<void> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${wsPath}`, { perMessageDeflate: false, headers: { authorization: `Bearer ${token}` } });
    const drop = (): void => {
      (ws as unknown as { _socket: net.Socket | null })._socket?.destroy();
      resolve();
    };
    ws.on("error", () => resolve());
    ws.on("close", () => resolve());
    ws.on("open", () => {
      const duplex = createWebSocketStream(ws);
      duplex.on("error", () => undefined);
      const session = http2.connect("http://127.0.0.1", { createConnection: () => duplex as unknown as net.Socket });
      session.on("error", () => undefined);
      session.on("connect", () => {
        if (!withStream) return drop();
        const method = serviceDefinitions().configuration.GetConfiguration!;
        const req = session.request({ ":method": "POST", ":path": method.path, "content-type": "application/grpc", te: "trailers", authorization: `Bearer ${token}` });
        req.on("error", () => undefined);
        const body = method.requestSerialize({ commit_id: "" });
        const frame = Buffer.alloc(5 + body.length);
        frame.writeUInt32BE(body.length, 1);
        body.copy(frame, 5);
        req.end(frame);
        setTimeout(drop, 50);
      });
    });
  });
}
