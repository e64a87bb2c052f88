/**
 * Issue 13 item 1: a client (or a proxy) that drops the TCP connection right
 * after the WebSocket upgrade must never take kas down. Before the fix, the
 * HTTP/2 session injected for the tunnel outlived its socket, and its next
 * keepalive ping wrote into a dead stream: an uncaught ERR_INTERNAL_ASSERTION.
 */
import * as net from "node:net";
import { eventually, startKasProcess, type KasProcess } from "./kas-process";

let kas: KasProcess;

beforeAll(async () => {
  // A short keepalive makes the session write (ping) soon after each drop.
  kas = await startKasProcess({ kasYaml: { agent_connections: { keepalive_time: "1s", keepalive_timeout: "1s" } } });
}, 90_000);

afterAll(async () => {
  await kas?.stop();
});

/** Upgrades to the tunnel with a valid token, optionally starts HTTP/2, then drops the TCP connection. */
function upgradeAndDrop(token: string, afterUpgrade: "drop" | "preface" | "half-close"): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(kas.wsPort, "127.0.0.1");
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
      `GET ${kas.wsPath} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${Buffer.from("0123456789abcdef").toString("base64")}\r\nSec-WebSocket-Version: 13\r\n` +
        `Authorization: Bearer ${token}\r\n\r\n`,
    );
  });
}

test("kas survives 60 tunnels dropped right after 101 Switching Protocols, and a1 still syncs over the tunnel", async () => {
  const token = kas.tokens.mallory as string;
  const kinds = ["drop", "preface", "half-close"] as const;
  for (let i = 0; i < 60; i++) await upgradeAndDrop(token, kinds[i % 3]!);
  // Past several keepalive intervals: the sessions of the dropped tunnels would have pinged by now.
  for (const until = Date.now() + 4_000; Date.now() < until; ) {
    if (!kas.alive()) throw new Error(`kas exited after the dropped tunnels:\n${kas.output().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(kas.output()).not.toMatch(/ERR_INTERNAL_ASSERTION/);
  const sync = await kas.legitimate("ws");
  expect(sync.batch.files.map((f) => f.path)).toEqual(["manifests/cm.yaml"]);
  // Every dropped tunnel's session is gone: no HTTP/2 session lingers for a dead socket.
  await eventually("tunnel sessions closed", async () => ((await kas.metric("kas_websocket_tunnels_open")) === 0 ? true : undefined));
}, 60_000);
