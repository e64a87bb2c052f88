import type * as grpc from "@grpc/grpc-js";
import { createLogger } from "../../common";
import { runResilientStream } from "./resilient-stream";

describe("runResilientStream", () => {
  test("a call that throws as it opens is retried with backoff, not thrown out of the loop (an unhandled rejection in agentk)", async () => {
    const lines: Record<string, unknown>[] = [];
    const stop = new AbortController();
    let opened = 0;
    const done = runResilientStream<unknown>({
      name: "objects of g/p",
      open: (): grpc.ClientReadableStream<unknown> => {
        if (++opened === 3) stop.abort();
        throw new Error("request does not serialize");
      },
      onMessage: () => true,
      backoff: { initialMs: 1, maxMs: 4, jitter: 0 },
      logger: createLogger({ write: (l) => void lines.push(JSON.parse(l) as Record<string, unknown>) }),
      signal: stop.signal,
    });
    await expect(done).resolves.toBeUndefined();
    expect(opened).toBe(3);
    expect(lines.map((l) => [l.msg, l.error, l.retry_in_ms])).toEqual([
      ["objects of g/p stream ended; reconnecting", "request does not serialize", 1],
      ["objects of g/p stream ended; reconnecting", "request does not serialize", 2],
    ]);
  });
});

test("a call that stayed open past healthyAfterMs and ended cleanly resets the backoff, though it delivered nothing (kas's maximum connection age)", async () => {
  const { EventEmitter } = await import("node:events");
  const lines: Record<string, unknown>[] = [];
  const stop = new AbortController();
  let clock = 0;
  let opened = 0;
  const done = runResilientStream<unknown>({
    name: "objects of g/p",
    open: (): grpc.ClientReadableStream<unknown> => {
      opened++;
      const call = Object.assign(new EventEmitter(), { cancel: () => undefined });
      // Calls 1-2 end at once (backoff grows); calls 3-4 stay open "two hours" and end with UNAVAILABLE.
      const long = opened >= 3;
      setImmediate(() => {
        if (long) clock += 2 * 3_600_000;
        if (opened === 5) stop.abort();
        call.emit("error", Object.assign(new Error("x"), { code: 14, details: long ? "Connection dropped (max age)" : "refused" }));
      });
      return call as unknown as grpc.ClientReadableStream<unknown>;
    },
    onMessage: () => false,
    backoff: { initialMs: 1, maxMs: 64, jitter: 0 },
    healthyAfterMs: 60_000,
    now: () => clock,
    logger: createLogger({ write: (l) => void lines.push(JSON.parse(l) as Record<string, unknown>) }),
    signal: stop.signal,
  });
  await done;
  expect(lines.map((l) => l.retry_in_ms)).toEqual([1, 2, 1, 1]);
});
