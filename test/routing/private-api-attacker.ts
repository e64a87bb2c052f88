/**
 * A peer of kas's private API in its own process (so the test measures kas's
 * memory, not the attacker's): `rounds` rounds of bad calls, then exit 0.
 * argv: <host:port> <secret> <rounds> [basic|full]. Each round: garbage before
 * acquire, an oversized message, a bad token with a large message, an acquire
 * for an agent not connected followed by data; "full" adds a token used twice
 * (the second a replay), an expired token, and a connection of garbage bytes.
 */
import { randomBytes } from "node:crypto";
import * as net from "node:net";
import * as grpc from "@grpc/grpc-js";
import { AUTHORIZATION_HEADER, createPrivateTunnelClient, type ForwardRequest } from "../../runtime/rpc";
import { privateApiMetadata } from "../../runtime/kas/routing";

const [target, secret, rounds, mix] = process.argv.slice(2) as [string, string, string, string | undefined];
const client = createPrivateTunnelClient(target, grpc.credentials.createInsecure(), { "grpc.max_send_message_length": 8 * 1024 * 1024 });
const good = (): grpc.Metadata => privateApiMetadata(Buffer.from(secret));
const bad = (): grpc.Metadata => {
  const md = new grpc.Metadata();
  md.set(AUTHORIZATION_HEADER, `Bearer ${"x".repeat(900)}`);
  return md;
};
const data = (bytes: number): ForwardRequest => ({ message: "data", data: { data: Buffer.alloc(bytes, 1) } });
const acquire: ForwardRequest = { message: "acquire", acquire: { agent_id: "9", timeout_ms: 100 } };

function call(md: grpc.Metadata, msgs: readonly ForwardRequest[]): Promise<void> {
  return new Promise((resolve) => {
    const c = client.Forward(md);
    c.on("data", () => undefined);
    c.on("error", () => undefined);
    c.on("status", () => resolve());
    for (const m of msgs) c.write(m);
    c.end();
  });
}

/** Bytes that are not HTTP/2; resolves when kas closes the connection. */
function garbage(): Promise<void> {
  return new Promise((resolve) => {
    const [host, port] = target.split(":") as [string, string];
    const s = net.connect(Number(port), host);
    s.on("error", () => undefined);
    s.on("close", () => resolve());
    s.on("data", () => undefined);
    s.end(randomBytes(8192));
  });
}

void (async () => {
  for (let i = 0; i < Number(rounds); i++) {
    await Promise.all([call(good(), [data(64 * 1024), data(64 * 1024)]), call(good(), [data(2 * 1024 * 1024)]), call(bad(), [data(512 * 1024)]), call(good(), [acquire, data(512 * 1024)])]);
    if (mix !== "full") continue;
    const once = good();
    await call(once, [acquire]);
    await Promise.all([call(once, [acquire]), call(privateApiMetadata(Buffer.from(secret), Date.now() - 60_000), [acquire]), garbage()]);
  }
  client.close();
  process.exit(0);
})();
