/** The tunnel's messages decode to the shapes tunnel-messages.ts names, over a real bidi call on loopback. */
import * as grpc from "@grpc/grpc-js";
import { createClients, serviceDefinitions, type TunnelHandlers } from "./protocol";
import type { TunnelDown, TunnelUp } from "./tunnel-messages";

test("register, request_head (no identity), data and end round-trip with their oneof named by `message`", async () => {
  const server = new grpc.Server();
  const seen: TunnelUp[] = [];
  const handlers: TunnelHandlers = {
    Connect: (call) => {
      call.on("data", (m: TunnelUp) => {
        seen.push(m);
        if (m.message === "register") {
          call.write({ message: "request_head", request_head: { method: "GET", path: "/api?x=1", headers: [{ name: "accept", values: ["a", "b"]}] } });
          call.write({ message: "data", data: { data: Buffer.from("body") } });
          call.write({ message: "end", end: {} });
        }
        if (m.message === "end") call.end();
      });
    },
  };
  server.addService(serviceDefinitions().tunnel, handlers);
  const port = await new Promise<number>((res, rej) => server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
  const clients = createClients(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  try {
    const call = clients.tunnel.Connect();
    const down: TunnelDown[] = [];
    call.write({ message: "register", register: { capabilities: ["http"] } });
    for await (const m of call as AsyncIterable<TunnelDown>) {
      down.push(m);
      if (m.message === "end") {
        call.write({ message: "response_head", response_head: { status: 403, headers: [] } });
        call.write({ message: "error", error: { message: "boom" } });
        call.write({ message: "end", end: {} });
        call.end();
      }
    }
    expect(down).toEqual([
      { message: "request_head", request_head: { method: "GET", path: "/api?x=1", headers: [{ name: "accept", values: ["a", "b"] }], identity: null } },
      { message: "data", data: { data: Buffer.from("body") } },
      { message: "end", end: {} },
    ]);
    expect(seen).toEqual([
      { message: "register", register: { capabilities: ["http"] } },
      { message: "response_head", response_head: { status: 403, headers: [] } },
      { message: "error", error: { message: "boom" } },
      { message: "end", end: {} },
    ]);
  } finally {
    clients.close();
    server.forceShutdown();
  }
});
