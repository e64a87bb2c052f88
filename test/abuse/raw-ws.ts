/** A WebSocket peer made by hand: the upgrade with a valid token, then the TCP connection dropped in one of three ways. */
import * as net from "node:net";

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
