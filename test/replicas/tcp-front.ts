/**
 * A loopback TCP front for one agentk, as a load balancer in front of kas
 * replicas would be: each connection goes to the first backend (in the
 * agent's order of preference) that accepts it, so an agent stays on its
 * replica and fails over to the next when that replica dies. agentk takes
 * one kas address (--kas-address) and holds one gRPC channel (one TCP
 * connection at a time), so the front also tells which replica holds it.
 */
import * as net from "node:net";
import type { AddressInfo } from "node:net";

export interface TcpFront {
  /** host:port for agentk's --kas-address grpc://... */
  readonly address: string;
  /** The backend port of each connection open now. */
  backends(): number[];
  /** Refuses new connections (closed at once, as a load balancer with no healthy backend does); open ones stay. */
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

/** `order()` is asked at every connection: the backend ports to try, the preferred first. */
export async function startTcpFront(order: () => readonly number[]): Promise<TcpFront> {
  const open = new Map<net.Socket, { backend: net.Socket; port: number }>();
  let paused = false;
  const server = net.createServer((client) => {
    client.on("error", () => undefined);
    if (paused) {
      client.destroy();
      return;
    }
    client.pause();
    const tryNext = (ports: readonly number[]): void => {
      const [port, ...rest] = ports;
      if (port === undefined || client.destroyed) {
        client.destroy();
        return;
      }
      const backend = net.connect({ host: "127.0.0.1", port });
      backend.once("error", () => {
        if (!open.has(client)) tryNext(rest);
        else client.destroy();
      });
      backend.once("connect", () => {
        open.set(client, { backend, port });
        backend.on("error", () => client.destroy());
        client.on("close", () => backend.destroy());
        backend.on("close", () => client.destroy());
        client.pipe(backend);
        backend.pipe(client);
        client.resume();
      });
    };
    client.on("close", () => open.delete(client));
    tryNext(order());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    backends: () => [...open.values()].map((c) => c.port),
    pause: () => void (paused = true),
    resume: () => void (paused = false),
    close: async () => {
      for (const [client, { backend }] of open) {
        client.destroy();
        backend.destroy();
      }
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
