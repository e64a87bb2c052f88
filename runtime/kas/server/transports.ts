import { readFileSync } from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import type { Duplex } from "node:stream";
import * as grpc from "@grpc/grpc-js";
import { WebSocketServer, type WebSocket } from "ws";
import { F, type Logger, type Metrics } from "../../common";
import { splitHostPort, type AgentConnectionLimits, type TlsFiles } from "../config";
import type { AuthAudit } from "./admission";
import { authenticateToken, bearerToken } from "./auth";
import type { TokenAuthenticator } from "./ports";
import { asTunnelPeer } from "./tunnel-peer";
import { tunnelStream } from "./websocket-stream";

/** Largest WebSocket frame a tunnel accepts: agentk sends what it reads from a local socket, at most 64 KiB at a time. */
const MAX_TUNNEL_FRAME_BYTES = 1024 * 1024;

/**
 * Server-side keepalive finds dead agents and lets agents ping idle
 * connections; a maximum connection age (GOAWAY) makes every agent
 * reconnect, and so re-authenticate, now and then.
 */
export function grpcServerOptions(limits: AgentConnectionLimits): grpc.ServerOptions {
  return {
    "grpc.keepalive_time_ms": limits.keepaliveTimeMs,
    "grpc.keepalive_timeout_ms": limits.keepaliveTimeoutMs,
    "grpc.keepalive_permit_without_calls": 1,
    "grpc.http2.min_ping_interval_without_data_ms": 5_000,
    "grpc.max_receive_message_length": 8 * 1024 * 1024,
    "grpc.max_connection_age_ms": limits.maxConnectionAgeMs,
    // No grace at the connection: kas ends each stream itself at the age plus the grace, except a
    // tunnel carrying a request (a kubectl watch through the agent must not be cut; admission.ts).
  };
}

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
  /** Destroys every tunnel whose WebSocket is no longer open (the process guard's clean-up). */
  dropDead(): void;
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
  opts: { address: string; path: string; tls?: TlsFiles; registry: TokenAuthenticator; logger: Logger; metrics: Metrics; audit: AuthAudit },
): Promise<WebSocketListener> {
  const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  const httpServer = opts.tls
    ? https.createServer({ cert: readFileSync(opts.tls.certFile), key: readFileSync(opts.tls.keyFile) })
    : http.createServer();
  httpServer.on("request", (_req, res) => {
    res.writeHead(426, { "content-type": "text/plain" }).end("this endpoint speaks gRPC over WebSocket; upgrade required\n");
  });
  // The tunnel carries TCP-sized pieces of HTTP/2; a peer sending one huge frame is refused, not buffered.
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: MAX_TUNNEL_FRAME_BYTES });
  const tunnels = new Map<Duplex, WebSocket>();
  opts.metrics.gaugeFn("kas_websocket_tunnels_open", "gRPC-over-WebSocket tunnels open now", () => tunnels.size);
  httpServer.on("upgrade", (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    // A peer that resets the connection during the upgrade is its own problem, never kas's.
    socket.on("error", () => socket.destroy());
    void (async () => {
      const path = (req.url ?? "").split("?")[0];
      if (path !== opts.path) return reject(socket, 404, `no WebSocket endpoint at ${path}; use ${opts.path}`);
      try {
        await authenticateToken(opts.registry, bearerToken(req.headers.authorization));
      } catch (err) {
        opts.audit.refused("websocket_upgrade", req.socket.remoteAddress, err);
        return reject(socket, 401, err instanceof Error ? err.message : "unauthenticated");
      }
      if (socket.destroyed) return;
      wss.handleUpgrade(req, socket, head, (ws) => {
        const peer = `${req.socket.remoteAddress}:${req.socket.remotePort}`;
        const stream = tunnelStream(ws, peer);
        tunnels.set(stream, ws);
        stream.on("close", () => tunnels.delete(stream));
        stream.on("error", (err) => opts.logger.debug("WebSocket tunnel ended", { [F.peer]: req.socket.remoteAddress, [F.error]: err }));
        asTunnelPeer(peer, () => injector.injectConnection(stream));
      });
    })().catch((err: unknown) => {
      opts.logger.error("WebSocket upgrade failed", { [F.peer]: req.socket.remoteAddress, [F.error]: err });
      socket.destroy();
    });
  });
  httpServer.on("clientError", (_err, socket: Duplex) => socket.destroy());
  const { host, port } = splitHostPort(opts.address);
  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", (err) => reject(new Error(`cannot listen on ${opts.address}: ${err.message}`)));
    httpServer.listen(port, host, () => resolve());
  });
  const bound = httpServer.address();
  return {
    port: typeof bound === "object" && bound ? bound.port : port,
    dropDead: () => {
      for (const [t, ws] of tunnels) if (ws.readyState !== ws.OPEN) t.destroy();
    },
    close: async () => {
      for (const t of tunnels.keys()) t.destroy();
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
