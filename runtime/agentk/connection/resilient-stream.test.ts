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
