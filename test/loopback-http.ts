/** A plain http server on a loopback port for a handler under test, and its closing (open connections too). */
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface LoopbackHttp {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  close(): Promise<void>;
}

export async function serveLoopback(handler: http.RequestListener, onUpgrade?: (req: http.IncomingMessage, socket: import("node:stream").Duplex, head: Buffer) => void): Promise<LoopbackHttp> {
  const server = http.createServer(handler);
  if (onUpgrade) server.on("upgrade", onUpgrade);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
