/**
 * The test Redis itself: a real redis-server that answers, keeps nothing
 * across a stop (no persistence), and comes back on the same port.
 */
import * as net from "node:net";
import Redis from "ioredis";
import { startTestRedis, type TestRedis } from ".";

describe("test/redis: a real redis-server on loopback", () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startTestRedis({ password: "s3cret" });
  });
  afterAll(() => redis?.close());

  test("GIVEN the server WHEN a client with the password sets and gets a key THEN it reads it back; without the password it is refused", async () => {
    const client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    try {
      await client.connect();
      await client.set("k", "v");
      expect(await client.get("k")).toBe("v");
    } finally {
      client.disconnect();
    }
    // Without the password: the raw protocol, as any client would send it.
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect({ port: redis.port, host: "127.0.0.1" }, () => socket.write("GET k\r\n"));
      socket.on("data", (d) => (socket.destroy(), resolve(d.toString())));
      socket.on("error", reject);
    });
    expect(answer).toMatch(/^-NOAUTH/);
  });

  test("GIVEN a stopped server WHEN it starts again THEN it answers on the same port, empty", async () => {
    await redis.stop();
    await redis.start();
    expect(redis.cli(["DBSIZE"]).trim()).toBe("0");
  });
});
