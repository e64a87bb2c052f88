import { execFinale, FrameBoundary, isChannelWebSocket, wsFrame } from "./exec-finale";
import { isJsonWatch, watchFinale } from "./watch-finale";

const h = (name: string, value: string) => ({ name, values: [value] });

describe("a WebSocket exec broken mid-stream", () => {
  test("frame boundaries are found however the frames are split, for 7-bit, 16-bit and 64-bit lengths", () => {
    const frames = Buffer.concat([wsFrame(2, Buffer.from("\x01hi")), wsFrame(2, Buffer.alloc(300, 1)), wsFrame(2, Buffer.alloc(70_000, 2)), wsFrame(2, Buffer.alloc(0))]);
    const ends = [5, 5 + 304, 5 + 304 + 70_010, frames.length];
    for (const step of [1, 3, 1000]) {
      const b = new FrameBoundary();
      const seen: number[] = [];
      for (let off = 0; off < frames.length; off += step) {
        const end = Math.min(off + step, frames.length);
        b.track(frames.subarray(off, end));
        if (b.atBoundary()) seen.push(end);
      }
      expect(seen).toEqual(step === 1 ? ends : expect.arrayContaining([frames.length]));
    }
  });

  test("the finale is a Status on channel 3, then a normal close", () => {
    const bytes = execFinale().bytes(new Error("agent 7's tunnel closed"));
    const b = new FrameBoundary();
    b.track(bytes);
    expect(b.atBoundary()).toBe(true);
    expect(bytes[0]).toBe(0x82);
    expect(bytes[bytes[1] === 126 ? 4 : 2]).toBe(3);
    expect(bytes.toString("utf8")).toContain('"message":"kas: the connection broke: agent 7\'s tunnel closed (the agent went away or lost its connection to kas)"');
    expect([...bytes.subarray(-4)]).toEqual([0x88, 2, 0x03, 0xe8]);
  });

  test("only WebSocket channel protocols with a Status error channel get one", () => {
    expect(isChannelWebSocket([h("upgrade", "websocket"), h("sec-websocket-protocol", "v5.channel.k8s.io")])).toBe(true);
    expect(isChannelWebSocket([h("upgrade", "websocket"), h("sec-websocket-protocol", "SPDY/3.1+portforward.k8s.io")])).toBe(false);
    expect(isChannelWebSocket([h("upgrade", "SPDY/3.1"), h("x-stream-protocol-version", "v4.channel.k8s.io")])).toBe(false);
  });
});

describe("a JSON watch broken mid-stream", () => {
  test("only ?watch=true|1 with a JSON response; the finale only between events", () => {
    const json = [h("content-type", "application/json;stream=watch")];
    expect(isJsonWatch("/api/v1/pods?watch=true&rv=1", json)).toBe(true);
    expect(isJsonWatch("/api/v1/pods?watch=1", json)).toBe(true);
    expect(isJsonWatch("/api/v1/pods", json)).toBe(false);
    expect(isJsonWatch("/api/v1/pods?watch=true", [h("content-type", "application/vnd.kubernetes.protobuf;stream=watch")])).toBe(false);
    const f = watchFinale();
    expect(f.atBoundary()).toBe(true);
    f.track(Buffer.from('{"type":"ADDED"'));
    expect(f.atBoundary()).toBe(false);
    f.track(Buffer.from(',"object":{}}\n'));
    expect(f.atBoundary()).toBe(true);
    expect(JSON.parse(f.bytes(new Error("gone")).toString("utf8"))).toMatchObject({ type: "ERROR", object: { kind: "Status", code: 503, reason: "ServiceUnavailable" } });
  });
});
