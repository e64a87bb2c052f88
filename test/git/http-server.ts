/**
 * A smart-HTTP git server for tests: node http on 127.0.0.1 in front of the
 * real `git http-backend` CGI, with optional basic auth. stop() and start()
 * make it unreachable and reachable again on the same port.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as http from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface GitHttpServerOptions {
  /** Folder holding the repositories; `<url>/<path below root>` serves each. */
  readonly root: string;
  /** With both set, every request needs HTTP basic auth with them. */
  readonly username?: string;
  readonly password?: string;
}

export interface GitHttpServer {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  readonly url: string;
  readonly port: number;
  /** Requests received so far (401s included). */
  readonly requests: number;
  /** Closes the listener and every connection; later connects are refused. */
  stop(): Promise<void>;
  /** Listens again on the same port after stop(). */
  start(): Promise<void>;
}

export async function startGitHttpServer(options: GitHttpServerOptions): Promise<GitHttpServer> {
  const sockets = new Set<Socket>();
  const children = new Set<ChildProcess>();
  let requests = 0;
  const server = http.createServer((req, res) => {
    requests++;
    if (!authorized(req, options)) {
      res.writeHead(401, { "WWW-Authenticate": 'Basic realm="git"', "Content-Type": "text/plain" });
      res.end("authentication required\n");
      return;
    }
    const child = runGitBackend(req, res, options.root, options.username);
    children.add(child);
    child.on("close", () => children.delete(child));
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  const listen = (port: number): Promise<void> =>
    new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
  await listen(0);
  const port = (server.address() as AddressInfo).port;
  let listening = true;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get requests() {
      return requests;
    },
    async stop() {
      if (!listening) return;
      listening = false;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const child of children) child.kill("SIGKILL");
      for (const socket of sockets) socket.destroy();
      await closed;
    },
    async start() {
      if (listening) return;
      await listen(port);
      listening = true;
    },
  };
}

function authorized(req: http.IncomingMessage, options: GitHttpServerOptions): boolean {
  if (options.username === undefined || options.password === undefined) return true;
  const m = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? "");
  if (!m?.[1]) return false;
  return Buffer.from(m[1], "base64").toString("utf8") === `${options.username}:${options.password}`;
}

/**
 * Answers one smart-HTTP request through the `git http-backend` CGI: the
 * repository is `<root>/<request path>`; `remoteUser` is who authenticated
 * (the caller checks). Exported for servers with their own auth (test/fakes).
 */
export function runGitBackend(req: http.IncomingMessage, res: http.ServerResponse, root: string, remoteUser?: string): ChildProcess {
  const url = new URL(req.url ?? "/", "http://localhost");
  const header = (name: string): string => String(req.headers[name] ?? "");
  const child = spawn("git", ["http-backend"], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: "1",
      PATH_INFO: decodeURIComponent(url.pathname),
      REQUEST_METHOD: req.method ?? "GET",
      QUERY_STRING: url.search.replace(/^\?/, ""),
      CONTENT_TYPE: header("content-type"),
      CONTENT_LENGTH: header("content-length"),
      HTTP_CONTENT_ENCODING: header("content-encoding"),
      GIT_PROTOCOL: header("git-protocol"),
      REMOTE_USER: remoteUser ?? "",
      REMOTE_ADDR: req.socket.remoteAddress ?? "127.0.0.1",
    },
    stdio: ["pipe", "pipe", "pipe"],
  });
  req.pipe(child.stdin);
  child.stdin.on("error", () => undefined); // the backend may exit before reading everything
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  let head = Buffer.alloc(0);
  let headersSent = false;
  child.stdout.on("data", (chunk: Buffer) => {
    if (headersSent) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = headerEnd(head);
    if (end === undefined) return;
    const { status, headers } = parseCgiHeaders(head.subarray(0, end.at).toString("latin1"));
    res.writeHead(status, headers);
    headersSent = true;
    res.write(head.subarray(end.at + end.length));
  });
  child.on("close", (code) => {
    if (!headersSent && !res.headersSent) {
      res.writeHead(502, { "Content-Type": "text/plain" });
      res.end(`git http-backend exited with ${code}: ${stderr}`);
    } else {
      res.end();
    }
  });
  child.on("error", () => undefined);
  return child;
}

function headerEnd(buf: Buffer): { at: number; length: number } | undefined {
  const crlf = buf.indexOf("\r\n\r\n");
  const lf = buf.indexOf("\n\n");
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { at: crlf, length: 4 };
  return lf >= 0 ? { at: lf, length: 2 } : undefined;
}

function parseCgiHeaders(text: string): { status: number; headers: Record<string, string> } {
  let status = 200;
  const headers: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(":");
    if (i <= 0) continue;
    const name = line.slice(0, i).trim();
    const value = line.slice(i + 1).trim();
    if (name.toLowerCase() === "status") status = parseInt(value, 10) || 500;
    else headers[name] = value;
  }
  return { status, headers };
}
