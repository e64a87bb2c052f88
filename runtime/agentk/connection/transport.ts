import { readFileSync } from "node:fs";
import * as net from "node:net";
import * as grpc from "@grpc/grpc-js";
import type * as Ws from "ws";

export interface KasTarget {
  /** What grpc-js dials. */
  readonly target: string;
  readonly credentials: grpc.ChannelCredentials;
  /** Stops the local WebSocket bridge, if any. */
  close(): Promise<void>;
}

export interface TransportOptions {
  readonly token: string;
  /** PEM of a private CA to trust besides the system's. */
  readonly caCert?: Buffer;
  /** Called when kas refuses the WebSocket upgrade (e.g. 401 for a bad token), with its status and message. */
  readonly onUpgradeRefused?: (status: number, message: string) => void;
}

/**
 * grpc://host:port (plain HTTP/2), grpcs://host:port (TLS), ws:// and wss://
 * (gRPC tunnelled in a WebSocket). grpc-js always dials its own socket, so
 * for WebSocket we listen on a loopback port and bridge each connection into
 * a new WebSocket to kas (NOTES.md).
 */
export async function connectTarget(address: string, options: TransportOptions): Promise<KasTarget> {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw new Error(`--kas-address ${JSON.stringify(address)}: expected grpc://, grpcs://, ws:// or wss:// followed by host:port`);
  }
  const hostPort = `${url.hostname}:${url.port || defaultPort(url.protocol)}`;
  switch (url.protocol) {
    case "grpc:":
      return { target: hostPort, credentials: grpc.credentials.createInsecure(), close: async () => undefined };
    case "grpcs:":
      return { target: hostPort, credentials: grpc.credentials.createSsl(options.caCert ?? null), close: async () => undefined };
    case "ws:":
    case "wss:":
      return bridgeWebSocket(url, options);
    default:
      throw new Error(`--kas-address ${JSON.stringify(address)}: unsupported scheme ${url.protocol} (use grpc, grpcs, ws or wss)`);
  }
}

function defaultPort(protocol: string): string {
  return protocol === "wss:" ? "443" : protocol === "ws:" ? "80" : "8150";
}

async function bridgeWebSocket(url: URL, options: TransportOptions): Promise<KasTarget> {
  // Loaded here: an agent dialling grpc(s):// never needs ws (RSS idle, bench/README.md).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { WebSocket, createWebSocketStream } = require("ws") as typeof Ws;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    const ws = new WebSocket(url, {
      perMessageDeflate: false,
      headers: { authorization: `Bearer ${options.token}` },
      ca: options.caCert,
    });
    const stream = createWebSocketStream(ws);
    const fail = (): void => {
      socket.destroy();
      ws.terminate();
    };
    ws.on("unexpected-response", (_req, res) => {
      // kas refused the upgrade (401 bad token, 404 wrong path): report why, then drop the connection.
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => options.onUpgradeRefused?.(res.statusCode ?? 0, body.trim()));
      fail();
    });
    stream.on("error", fail);
    socket.on("error", fail);
    socket.pipe(stream).pipe(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    target: `127.0.0.1:${port}`,
    credentials: grpc.credentials.createInsecure(),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Reads --ca-cert-file. */
export function readCaCert(file: string | undefined): Buffer | undefined {
  return file ? readFileSync(file) : undefined;
}
