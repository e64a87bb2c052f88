/**
 * For `kubectl port-forward` tests: a loopback TCP echo server (on the test
 * cluster's portForwardPort, where KWOK forwards every pod port), kubectl
 * port-forward on a local port it picks, and one round trip through it.
 */
import { once } from "node:events";
import * as net from "node:net";
import { until } from "../until";
import { spawnCommand, type Spawned } from "./spawned";

export interface EchoServer {
  /** Connections open now. */
  readonly open: () => number;
  close(): Promise<void>;
}

export async function startEchoServer(port: number): Promise<EchoServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => s.destroy());
    s.pipe(s);
  });
  server.listen(port, "127.0.0.1");
  await once(server, "listening");
  return {
    open: () => sockets.size,
    close: async () => {
      sockets.forEach((s) => s.destroy());
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface PortForward extends Spawned {
  /** The local port kubectl listens on. */
  readonly localPort: number;
}

/** Spawns `kubectl <kubectlArgs> port-forward <target> :<remotePort>` and waits for "Forwarding from". */
export async function startPortForward(binary: string, kubectlArgs: readonly string[], remotePort = 80, env: NodeJS.ProcessEnv = {}): Promise<PortForward> {
  const p = spawnCommand(binary, [...kubectlArgs, "--address=127.0.0.1", `:${remotePort}`], env);
  // -1: kubectl exited (until retries a throwing probe, so the exit is a value).
  const localPort = await until(
    "kubectl port-forward listening",
    async () => {
      if (p.child.exitCode !== null) return -1;
      const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(p.stdout());
      return m ? Number(m[1]) : undefined;
    },
    20_000,
    p.output,
  ).catch(async (err: unknown) => {
    await p.kill();
    throw err;
  });
  if (localPort === -1) throw new Error(`kubectl port-forward exited ${p.child.exitCode}\n${p.output()}`);
  return { ...p, localPort };
}

/** Connects to `port`, writes `text`, resolves with what comes back once it is as long; the connection stays open unless `end`. */
export async function roundTrip(port: number, text: string, end = true): Promise<{ reply: string; socket: net.Socket }> {
  const socket = net.connect(port, "127.0.0.1");
  await once(socket, "connect");
  let reply = "";
  const got = new Promise<void>((resolve, reject) => {
    socket.on("data", (d: Buffer) => {
      reply += d.toString("utf8");
      if (reply.length >= text.length) resolve();
    });
    socket.once("close", () => reject(new Error(`connection closed after ${JSON.stringify(reply)}`)));
    socket.once("error", reject);
  });
  socket.write(text);
  await got;
  if (end) socket.end();
  return { reply, socket };
}
