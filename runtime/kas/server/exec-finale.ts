/**
 * An exec or attach over WebSocket (v4/v5.channel.k8s.io) whose tunnel
 * breaks: kas sends a Status on channel 3, the error stream where the kubelet
 * reports a failed exec, then a close frame, so kubectl prints why. kas
 * follows the apiserver's frames (server to client) to send only between
 * them.
 */
import type { TunnelHeader } from "../../rpc";
import { brokeBecause, type Finale } from "./stream-finale";

const CHANNEL_PROTOCOLS = new Set(["v5.channel.k8s.io", "v4.channel.k8s.io"]);
const ERROR_CHANNEL = 3;
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;

/** Whether the 101 answer switched to a WebSocket channel protocol whose error channel carries a Status. */
export function isChannelWebSocket(headers: readonly TunnelHeader[]): boolean {
  const value = (name: string) => headers.find((h) => h.name === name)?.values[0]?.trim().toLowerCase();
  return value("upgrade") === "websocket" && CHANNEL_PROTOCOLS.has(value("sec-websocket-protocol") ?? "");
}

/** One unfragmented, unmasked frame (a server's). */
export function wsFrame(opcode: number, payload: Buffer): Buffer {
  const n = payload.length;
  let head: Buffer;
  if (n < 126) head = Buffer.from([0x80 | opcode, n]);
  else if (n < 0x10000) {
    head = Buffer.alloc(4);
    head.writeUInt16BE(n, 2);
    head[1] = 126;
  } else {
    head = Buffer.alloc(10);
    head.writeBigUInt64BE(BigInt(n), 2);
    head[1] = 127;
  }
  head[0] = 0x80 | opcode;
  return Buffer.concat([head, payload]);
}

/** Follows a stream of WebSocket frames: where each ends. */
export class FrameBoundary {
  private remaining = 0;
  private header: number[] = [];

  track(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, chunk.length - i);
        this.remaining -= n;
        i += n;
        continue;
      }
      this.header.push(chunk[i++] as number);
      const h = this.header;
      if (h.length < 2) continue;
      const len7 = (h[1] as number) & 0x7f;
      const ext = len7 === 126 ? 2 : len7 === 127 ? 8 : 0;
      const mask = (h[1] as number) & 0x80 ? 4 : 0;
      if (h.length < 2 + ext + mask) continue;
      const b = Buffer.from(h);
      this.remaining = ext === 0 ? len7 : ext === 2 ? b.readUInt16BE(2) : Number(b.readBigUInt64BE(2));
      this.header = [];
    }
  }

  atBoundary(): boolean {
    return this.remaining === 0 && this.header.length === 0;
  }
}

export function execFinale(): Finale {
  const frames = new FrameBoundary();
  return {
    track: (chunk) => frames.track(chunk),
    atBoundary: () => frames.atBoundary(),
    bytes: (err) => {
      const status = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: brokeBecause("connection", err), reason: "ServiceUnavailable", code: 503 };
      const close = Buffer.alloc(2);
      close.writeUInt16BE(1000);
      return Buffer.concat([wsFrame(OP_BINARY, Buffer.concat([Buffer.from([ERROR_CHANNEL]), Buffer.from(JSON.stringify(status))])), wsFrame(OP_CLOSE, close)]);
    },
  };
}
