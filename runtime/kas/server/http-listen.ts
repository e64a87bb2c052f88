import * as http from "node:http";
import type { Duplex } from "node:stream";
import { F, type Logger } from "../../common";
import { splitHostPort } from "../config";

export interface HttpReply {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** A string or a ready Buffer (a cached serialisation is sent as is, not re-encoded per request). */
  readonly body: string | Buffer;
  readonly type: string;
}

/** A handler's answer when it wrote the response itself (a stream). */
export const REPLIED = "replied";

/** A route handler: a reply, REPLIED when it answered on `res` itself, or undefined when no route matches (404). */
export type HttpHandler = (req: http.IncomingMessage, path: string, res: http.ServerResponse) => Promise<HttpReply | typeof REPLIED | undefined> | HttpReply | typeof REPLIED | undefined;

export interface HttpListener {
  readonly port: number;
  close(): Promise<void>;
}

export function jsonReply(status: number, body: unknown, headers?: Record<string, string>): HttpReply {
  return { status, type: "application/json", body: JSON.stringify(body, null, 2) + "\n", headers };
}

/**
 * One of kas's HTTP listeners (observability, webhook, agents API): binds
 * `address`, routes to `handle`, and answers 500 (logged) when it throws.
 * `what` names the listener in errors ("listen.api").
 */
export async function listenHttp(what: string, address: string, handle: HttpHandler, logger: Logger): Promise<HttpListener> {
  return bindServer(what, address, http.createServer((req, res) => void serve(handle, req, res, logger)));
}

/**
 * Binds `server` (http or https) on `address`; closing ends its connections,
 * upgraded ones too (closeAllConnections does not see those, and close() would
 * wait for them). `what` names the listener in errors.
 */
export async function bindServer(what: string, address: string, server: http.Server): Promise<HttpListener> {
  const { host, port } = splitHostPort(address);
  const upgraded = new Set<Duplex>();
  server.on("upgrade", (_req: http.IncomingMessage, socket: Duplex) => {
    upgraded.add(socket);
    socket.once("close", () => upgraded.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err) => reject(new Error(`${what}: cannot listen on ${address}: ${err.message}`)));
    server.listen(port, host, () => resolve());
  });
  const bound = server.address();
  return {
    port: typeof bound === "object" && bound ? bound.port : port,
    close: async () => {
      server.closeAllConnections();
      upgraded.forEach((s) => s.destroy());
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function serve(handle: HttpHandler, req: http.IncomingMessage, res: http.ServerResponse, logger: Logger): Promise<void> {
  const path = (req.url ?? "/").split("?")[0] ?? "/";
  let reply: HttpReply | typeof REPLIED | undefined;
  try {
    reply = (await handle(req, path, res)) ?? jsonReply(404, { error: `no route ${req.method} ${path}` });
  } catch (err) {
    logger.error("HTTP API error", { [F.path]: path, [F.error]: err });
    reply = jsonReply(500, { error: "internal error" });
  }
  if (reply === REPLIED || res.headersSent || res.destroyed) return;
  res.writeHead(reply.status, { "content-type": reply.type, ...reply.headers }).end(reply.body);
}
