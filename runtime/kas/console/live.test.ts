/** The live stream's bounds: how many clients, a client that does not read, sign-out. */
import { EventEmitter } from "node:events";
import type * as http from "node:http";
import { LiveHub } from "./live";

/** A response whose socket buffer we set: what a client that stops reading looks like to the server. */
class Res extends EventEmitter {
  writableLength = 0;
  written = "";
  ended = false;
  writeHead(): this {
    return this;
  }
  write(chunk: string): boolean {
    this.written += chunk;
    return true;
  }
  end(): void {
    this.ended = true;
    this.emit("close");
  }
}
const asRes = (r: Res) => r as unknown as http.ServerResponse;

test("GIVEN maxClients streams THEN one more is refused; a client whose buffer is over the bound is dropped, the others get the change; sign-out ends its streams", async () => {
  let state = "a";
  const hub = new LiveHub(async () => state, { maxClients: 3, heartbeatMs: 60_000, pollMs: 10, maxBufferedBytes: 1024, maxStreamMs: 60_000 });
  const [fast, slow, session] = [new Res(), new Res(), new Res()];
  expect(hub.attach(asRes(fast))).toBe(true);
  expect(hub.attach(asRes(slow))).toBe(true);
  expect(hub.attach(asRes(session), "s1")).toBe(true);
  expect(hub.attach(asRes(new Res()))).toBe(false);
  await new Promise((r) => setTimeout(r, 30));
  slow.writableLength = 4096;
  state = "b";
  await new Promise((r) => setTimeout(r, 50));
  expect(fast.written).toContain("event: changed\ndata: 1\n\n");
  expect(slow.ended).toBe(true);
  expect(slow.written).not.toContain("event: changed");
  expect(hub.size).toBe(2);
  hub.endSession("s1");
  expect(session.ended).toBe(true);
  expect(hub.size).toBe(1);
  hub.close();
  expect(fast.ended).toBe(true);
});
