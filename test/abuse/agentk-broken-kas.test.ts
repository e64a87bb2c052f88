/**
 * agentk under a broken kas (issue 13, "Also"): a kas-shaped server on
 * loopback sends truncated batches, frames out of order, oversized objects,
 * floods, or disappears mid-batch. agentk must deliver nothing from a broken
 * batch (so nothing is applied or pruned from it), say what was wrong, and
 * recover with backoff to take the next good batch.
 */
import * as grpc from "@grpc/grpc-js";
import { createLogger } from "../../runtime/common";
import { CHANNEL_OPTIONS, watchObjects } from "../../runtime/agentk/connection";
import { createClients, LIMITS, type ObjectsBatch, type ObjectsToSynchronizeResponse } from "../../runtime/rpc";
import { configMapBatch, startFakeKas, type FakeKas, type ObjectsScript, type ScriptedCall } from "../agentk/fake-kas";
import { until } from "../until";

const PROJECT = "group/manifests";
const MiB = 1024 * 1024;

const header = (commit: string, project = PROJECT): ObjectsToSynchronizeResponse => ({ message: "header", header: { commit_id: commit, project_id: project } });
const object = (source: string, data: Buffer): ObjectsToSynchronizeResponse => ({ message: "object", object: { source, data } });
const trailer: ObjectsToSynchronizeResponse = { message: "trailer", trailer: {} };
const good = (commit: string): ObjectsBatch => configMapBatch(commit, PROJECT, "dude", { a: commit, b: commit });

/** Writes `msgs` in order, then leaves the call to `after` (default: end with OK). */
const send =
  (msgs: ObjectsToSynchronizeResponse[], after: (c: ScriptedCall) => void | Promise<void> = (c) => c.end()): ObjectsScript =>
  async (c) => {
    for (const m of msgs) if (!(await c.write(m))) return;
    await after(c);
  };

/** The watcher of the test running now (scripts run before it exists, and act once agentk has read their Header). */
let current: Follower | undefined;
const headerRead = (commit: string): Promise<true> =>
  until(`agentk read the Header of ${commit}`, async () =>
    current?.lines.some((l) => l.msg === "Receiving a batch of objects" && l.commit_id === commit) ? true : undefined,
  10_000);

/** One file of `bytes`, written in chunks of `chunk` bytes, as one Header'd batch with no Trailer (agentk should stop it first). */
const bigFile =
  (commit: string, bytes: number, chunk: number, files = 1): ObjectsScript =>
  async (c) => {
    if (!(await c.write(header(commit)))) return;
    for (let f = 0; f < files; f++) {
      for (let off = 0; off < bytes; off += chunk) {
        if (!(await c.write(object(`manifests/big-${f}.yaml`, Buffer.alloc(Math.min(chunk, bytes - off), 0x20))))) return;
      }
    }
    if (await c.write(trailer)) c.end();
  };

interface Follower {
  readonly batches: ObjectsBatch[];
  readonly lines: Record<string, unknown>[];
  close(): Promise<void>;
}

/** agentk's objects watcher for PROJECT, on a real channel to the fake kas, with fast backoff and no jitter. */
function follow(kas: FakeKas, backoff = { initialMs: 20, maxMs: 200, jitter: 0 }): Follower {
  const batches: ObjectsBatch[] = [];
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level: "debug", write: (l) => void lines.push(JSON.parse(l) as Record<string, unknown>) });
  const stop = new AbortController();
  const clients = createClients(kas.target, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
  const done = watchObjects({
    clients,
    token: "t",
    projectId: PROJECT,
    ref: { branch: "main" },
    paths: [{ glob: "**/*.yaml" }],
    lastCommit: () => batches[batches.length - 1]?.commitId ?? "",
    logger,
    signal: stop.signal,
    backoff,
    onBatch: (b) => void batches.push(b),
  });
  return {
    batches,
    lines,
    close: async () => {
      current = undefined;
      stop.abort();
      await done;
      clients.close();
    },
  };
}

const errorsOf = (f: Follower): string[] => f.lines.filter((l) => l.level === "error").map((l) => `${String(l.msg)}: ${String(l.error)}`);

let kas: FakeKas;
beforeEach(async () => {
  kas = await startFakeKas({ configuration: { gitops: { manifest_projects: [], scope: { mode: "cluster", namespaces: [] }, reapply_interval_seconds: 300 }, observability: { logging: { level: "debug" } } } });
});
afterEach(() => kas.stop());

describe("the objects stream refuses a broken batch whole, says why, and takes the next good one", () => {
  const chunk = LIMITS.chunkBytes;
  test.each<[string, ObjectsScript, RegExp]>([
    ["truncated: Header, Object, then the stream ends OK without a Trailer", send([header("bad"), object("manifests/a.yaml", Buffer.from("kind: X"))]), /middle of a batch.*commit bad.*1 file.*no Trailer/],
    ["an Object before any Header", send([object("manifests/a.yaml", Buffer.from("x")), trailer]), /Object manifests\/a\.yaml before any Header/],
    ["a Header, then another Header", send([header("bad"), object("manifests/a.yaml", Buffer.from("x")), header("bad2"), trailer]), /Header for bad2 before the Trailer of bad/],
    ["a Trailer before any Header", send([trailer]), /Trailer before any Header/],
    ["a Header for another project", send([header("bad", "other/project"), trailer]), /Header for project other\/project.*asked for group\/manifests/],
    ["an Object with no source", send([header("bad"), object("", Buffer.from("x")), trailer]), /Object without a source/],
    ["one file sent in two runs (a, b, a)", send([header("bad"), object("a.yaml", Buffer.from("x")), object("b.yaml", Buffer.from("y")), object("a.yaml", Buffer.from("z")), trailer]), /a\.yaml.*twice/],
    ["one 6 MiB chunk (over the 5 MiB file limit, under gRPC's 8 MiB message limit)", bigFile("bad", 6 * MiB, 6 * MiB), /manifests\/big-0\.yaml.*over the limit of 5242880 bytes a file/],
    ["one file of 6 MiB in 128 KiB chunks", bigFile("bad", 6 * MiB, chunk), /manifests\/big-0\.yaml.*over the limit of 5242880 bytes a file/],
    ["6 files of 4 MiB (over the 20 MiB batch limit)", bigFile("bad", 4 * MiB, chunk, 6), /batch of commit bad.*over the limit of 20971520 bytes/],
    ["1001 files", send([header("bad"), ...Array.from({ length: 1001 }, (_, i) => object(`f${i}.yaml`, Buffer.from("x"))), trailer]), /commit bad.*more than 1000 files/],
    ["one 9 MiB message (over gRPC's receive limit)", bigFile("bad", 9 * MiB, 9 * MiB), /middle of a batch.*commit bad.*RESOURCE_EXHAUSTED|larger than max/],
    ["kas disappears mid-batch (TCP connection destroyed)", send([header("bad"), object("manifests/a.yaml", Buffer.from("x"))], async (c) => {
      await headerRead("bad"); // cut after agentk holds a partial batch, not while the Header is still in a buffer
      c.drop();
    }), /middle of a batch.*commit bad/],
    ["an error status mid-batch", send([header("bad"), object("manifests/a.yaml", Buffer.from("x"))], async (c) => {
      await headerRead("bad");
      c.fail(grpc.status.INTERNAL, "git exploded");
    }), /middle of a batch.*commit bad.*INTERNAL.*git exploded/],
  ])("%s", async (_name, broken, expected) => {
    kas.objects(broken, async (c) => void (await c.batch(good("c2"))));
    const f = (current = follow(kas));
    try {
      await until("the good batch after the broken one", async () => (f.batches.length > 0 ? true : undefined), 20_000, () => errorsOf(f).join("\n"));
      expect(f.batches.map((b) => b.commitId)).toEqual(["c2"]);
      expect(f.batches[0]!.files.map((x) => x.path)).toEqual(["manifests/a.yaml", "manifests/b.yaml"]);
      // Nothing of the broken batch counted as received: the reconnect asks from where it was before.
      expect(kas.calls[1]!.request.commit_id).toBe("");
      expect(errorsOf(f).join("\n")).toMatch(expected);
    } finally {
      await f.close();
    }
  });
});

describe("a kas that sends without end cannot make agentk hold more than a batch's limit", () => {
  test("a 256 MiB flood of 4 MiB files is cut by agentk before 20 MiB + 4 MiB reached it", async () => {
    kas.objects(bigFile("flood", 4 * MiB, LIMITS.chunkBytes, 64), async (c) => void (await c.batch(good("c2"))));
    const f = follow(kas);
    try {
      await until("the good batch after the flood", async () => (f.batches.length > 0 ? true : undefined), 60_000, () => errorsOf(f).join("\n"));
      expect(kas.calls[0]!.cancelledByPeer).toBe(true);
      // What kas wrote past the limit is at most what HTTP/2 windows and socket buffers hold.
      expect(kas.calls[0]!.objectBytes).toBeLessThan(LIMITS.totalBytes + 4 * MiB);
      expect(errorsOf(f).join("\n")).toMatch(/over the limit of 20971520 bytes/);
    } finally {
      await f.close();
    }
  });
});

describe("reconnects back off while kas keeps breaking the stream", () => {
  test("four protocol violations in a row: the delays double (20, 40, 80, 160 ms), then a good batch is taken", async () => {
    const violation = send([header("bad"), header("bad2")]);
    kas.objects(violation, violation, violation, violation, async (c) => void (await c.batch(good("c2"))));
    const f = follow(kas, { initialMs: 20, maxMs: 10_000, jitter: 0 });
    try {
      await until("the good batch", async () => (f.batches.length > 0 ? true : undefined), 20_000);
      const delays = f.lines.filter((l) => l.retry_in_ms !== undefined).map((l) => l.retry_in_ms);
      expect(delays).toEqual([20, 40, 80, 160]);
    } finally {
      await f.close();
    }
  });
});
