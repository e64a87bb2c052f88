import { readFileSync } from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import type { Duplex } from "node:stream";
import * as grpc from "@grpc/grpc-js";
import { WebSocketServer, createWebSocketStream } from "ws";
import { F, type Logger } from "../../common";
import type { TlsFiles } from "../config";
import { authenticateToken, bearerToken } from "./auth";
import type { TokenAuthenticator } from "./ports";
import { splitHostPort } from "./net";

/** Server-side keepalive: find dead agents, and let agents ping idle connections. */
export const GRPC_SERVER_OPTIONS: grpc.ServerOptions = {
  "grpc.keepalive_time_ms": 30_000,
  "grpc.keepalive_timeout_ms": 10_000,
  "grpc.keepalive_permit_without_calls": 1,
  "grpc.http2.min_ping_interval_without_data_ms": 5_000,
  "grpc.max_receive_message_length": 8 * 1024 * 1024,
};

export async function listenGrpc(server: grpc.Server, address: string, tls?: TlsFiles): Promise<number> {
  const creds = tls
    ? grpc.ServerCredentials.createSsl(null, [{ cert_chain: readFileSync(tls.certFile), private_key: readFileSync(tls.keyFile) }], false)
    : grpc.ServerCredentials.createInsecure();
  return new Promise((resolve, reject) =>
    server.bindAsync(address, creds, (err, port) => (err ? reject(new Error(`cannot listen on ${address}: ${err.message}`)) : resolve(port))),
  );
}

export interface WebSocketListener {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * gRPC tunnelled through WebSocket, for clusters behind proxies that only pass
 * HTTP(S): each accepted WebSocket becomes one HTTP/2 connection of the gRPC
 * server. The token is checked on the upgrade request already, so an
 * unauthenticated client never reaches HTTP/2.
 */
export async function listenWebSocket(
  server: grpc.Server,
  opts: { address: string; path: string; tls?: TlsFiles; registry: TokenAuthenticator; logger: Logger },
): Promise<WebSocketListener> {
  const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  const httpServer = opts.tls
    ? https.createServer({ cert: readFileSync(opts.tls.certFile), key: readFileSync(opts.tls.keyFile) })
    : http.createServer();
  httpServer.on("request", (_req, res) => {
    res.writeHead(426, { "content-type": "text/plain" }).end("this endpoint speaks gRPC over WebSocket; upgrade required\n");
  });
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  httpServer.on("upgrade", (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    void (async () => {
      const path = (req.url ?? "").split("?")[0];
      if (path !== opts.path) return reject(socket, 404, `no WebSocket endpoint at ${path}; use ${opts.path}`);
      try {
        await authenticateToken(opts.registry, bearerToken(req.headers.authorization));
      } catch (err) {
        opts.logger.info("WebSocket upgrade refused", { [F.peer]: req.socket.remoteAddress, [F.error]: err });
        return reject(socket, 401, err instanceof Error ? err.message : "unauthenticated");
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        const stream = createWebSocketStream(ws);
        stream.on("error", () => ws.terminate());
        injector.injectConnection(stream);
      });
    })();
  });
  const { host, port } = splitHostPort(opts.address);
  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", (err) => reject(new Error(`cannot listen on ${opts.address}: ${err.message}`)));
    httpServer.listen(port, host, () => resolve());
  });
  const bound = httpServer.address();
  return {
    port: typeof bound === "object" && bound ? bound.port : port,
    close: async () => {
      for (const c of wss.clients) c.terminate();
      wss.close();
      injector.destroy();
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}

function reject(socket: Duplex, status: number, message: string): void {
  const body = message + "\n";
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}
