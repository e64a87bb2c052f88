/**
 * agentk under a broken kas (issue 13, "Also"): a kas-shaped server on
 * loopback (test/agentk/fake-kas.ts) sends truncated batches, frames out of
 * order, oversized objects, floods, malformed YAML, or disappears mid-batch.
 * agentk must deliver nothing from a broken batch (so nothing is applied or
 * pruned from it), say what was wrong, and recover with backoff to take the
 * next good batch. First the objects stream alone, then agentk whole on the
 * real test cluster.
 */
import * as grpc from "@grpc/grpc-js";
import { createLogger } from "../../runtime/common";
import { kubeconfigAccess, startAgent, type RunningAgent } from "../../runtime/agentk";
import { createClients, LIMITS, MANIFEST_PROJECT_DEFAULTS, type AgentConfiguration, type ObjectsBatch } from "../../runtime/rpc";
import { bindAgentToken, watchObjects } from "../../runtime/rpc/client";
import { startTestCluster, type TestCluster } from "../cluster";
import { grantAgent } from "../agentk/rbac";
import { AGENT_NS } from "../agentk/scenario";
import { startFakeKas, type FakeKas, type ObjectsScript } from "../agentk/fake-kas";
import { bigFiles, configMapBatch, msg, send, sendBatch } from "../agentk/fake-kas-scripts";
import { until } from "../until";

const PROJECT = "group/manifests";
const MiB = 1024 * 1024;
const { object, trailer } = msg;
const header = (commit: string, project = PROJECT) => msg.header(commit, project);
const good = (commit: string): ObjectsBatch => configMapBatch(commit, PROJECT, "dude", { a: commit, b: commit });
const bigFile = (commit: string, bytes: number, chunk: number, files = 1): ObjectsScript => bigFiles(commit, PROJECT, bytes, chunk, files);

type Line = Record<string, unknown>;
const errorsIn = (lines: readonly Line[]): string => lines.filter((l) => l.level === "error").map((l) => `${String(l.msg)}: ${String(l.error)}`).join("\n");

/** Resolves once agentk logged that it read the Header of `commit` (so a cut after it finds a partial batch, not bytes in a buffer). */
const headerRead = (lines: () => readonly Line[] | undefined, commit: string): Promise<true> =>
  until(`agentk read the Header of ${commit}`, async () => (lines()?.some((l) => l.msg === "Receiving a batch of objects" && l.commit_id === commit) ? true : undefined), 10_000);

describe("the objects stream (watchObjects over gRPC from the fake kas)", () => {
  interface Follower {
    readonly batches: ObjectsBatch[];
    readonly lines: Line[];
    close(): Promise<void>;
  }
  let kas: FakeKas;
  /** The watcher of the test running now: scripts run before it exists, and some wait for it. */
  let current: Follower | undefined;

  /** agentk's objects watcher for PROJECT, on a real channel to the fake kas, with fast backoff and no jitter. */
  function follow(backoff = { initialMs: 20, maxMs: 200, jitter: 0 }): Follower {
    const batches: ObjectsBatch[] = [];
    const lines: Line[] = [];
    const stop = new AbortController();
    const channel = bindAgentToken(grpc.credentials.createInsecure(), () => "t");
    const clients = createClients(kas.target, channel.credentials, channel.options);
    const done = watchObjects({
      clients,
      projectId: PROJECT,
      ref: { branch: "main" },
      paths: [{ glob: "**/*.yaml" }],
      lastCommit: () => batches[batches.length - 1]?.commitId ?? "",
      logger: createLogger({ level: "debug", write: (l) => void lines.push(JSON.parse(l) as Line) }),
      signal: stop.signal,
      backoff,
      onBatch: (b) => void batches.push(b),
    });
    current = { batches, lines, close: async () => (stop.abort(), await done, clients.close()) };
    return current;
  }
  const partialThen = (after: (c: Parameters<ObjectsScript>[0]) => void): ObjectsScript =>
    send([header("bad"), object("manifests/a.yaml", "x")], async (c) => {
      await headerRead(() => current?.lines, "bad");
      after(c);
    });

  beforeEach(async () => {
    kas = await startFakeKas({ configuration: { gitops: { manifest_projects: [], scope: { mode: "cluster", namespaces: [] }, reapply_interval_seconds: 300 }, observability: { logging: { level: "debug" } } } });
  });
  afterEach(async () => {
    await current?.close();
    current = undefined;
    await kas.stop();
  });

  const chunk = LIMITS.chunkBytes;
  test.each<[string, ObjectsScript, RegExp]>([
    ["truncated: Header, Object, then the stream ends OK without a Trailer", send([header("bad"), object("manifests/a.yaml", "kind: X")]), /middle of a batch.*commit bad.*1 file.*no Trailer/],
    ["an Object before any Header", send([object("manifests/a.yaml", "x"), trailer]), /Object manifests\/a\.yaml before any Header/],
    ["a Header, then another Header", send([header("bad"), object("manifests/a.yaml", "x"), header("bad2"), trailer]), /Header for bad2 before the Trailer of bad/],
    ["a Trailer before any Header", send([trailer]), /Trailer before any Header/],
    ["a Header for another project", send([header("bad", "other/project"), trailer]), /Header for project other\/project.*asked for group\/manifests/],
    ["an Object with no source", send([header("bad"), object("", "x"), trailer]), /Object without a source/],
    // 1000 such names would be 4 GiB held outside the byte limits, which count data only.
    ["an Object whose source is a 4 MiB name", send([header("bad"), object("a".repeat(4 * MiB), "x"), trailer]), /Object with a source of 4194304 characters in the batch of commit bad; a path has at most 4096/],
    ["a Header whose commit_id is 1 MiB", send([header("b".repeat(MiB)), trailer]), /Header with a commit_id of 1048576 characters; at most 256/],
    ["one file sent in two runs (a, b, a)", send([header("bad"), object("a.yaml", "x"), object("b.yaml", "y"), object("a.yaml", "z"), trailer]), /a\.yaml sent twice/],
    ["one 6 MiB chunk (over the 5 MiB file limit, under gRPC's 8 MiB message limit)", bigFile("bad", 6 * MiB, 6 * MiB), /manifests\/big-0\.yaml.*over the limit of 5242880 bytes a file/],
    ["one file of 6 MiB in 128 KiB chunks", bigFile("bad", 6 * MiB, chunk), /manifests\/big-0\.yaml.*over the limit of 5242880 bytes a file/],
    ["6 files of 4 MiB (over the 20 MiB batch limit)", bigFile("bad", 4 * MiB, chunk, 6), /batch of commit bad.*over the limit of 20971520 bytes/],
    ["1001 files", send([header("bad"), ...Array.from({ length: 1001 }, (_, i) => object(`f${i}.yaml`, "x")), trailer]), /commit bad.*more than 1000 files/],
    ["one 9 MiB message (over gRPC's receive limit)", bigFile("bad", 9 * MiB, 9 * MiB), /middle of a batch.*commit bad.*RESOURCE_EXHAUSTED/],
    ["kas disappears mid-batch (TCP connection destroyed)", partialThen((c) => c.drop()), /middle of a batch.*commit bad/],
    ["an error status mid-batch", partialThen((c) => c.fail(grpc.status.INTERNAL, "git exploded")), /middle of a batch.*commit bad.*INTERNAL.*git exploded/],
  ])("%s", async (_name, broken, expected) => {
    kas.objects(broken, sendBatch(good("c2")));
    const f = follow();
    await until("the good batch after the broken one", async () => (f.batches.length > 0 ? true : undefined), 20_000, () => errorsIn(f.lines));
    expect(f.batches.map((b) => b.commitId)).toEqual(["c2"]);
    expect(f.batches[0]!.files.map((x) => x.path)).toEqual(["manifests/a.yaml", "manifests/b.yaml"]);
    // Nothing of the broken batch counted as received: the reconnect asks from where it was before.
    expect(kas.calls[1]!.request.commit_id).toBe("");
    expect(errorsIn(f.lines)).toMatch(expected);
  });

  test("a 256 MiB flood of 4 MiB files is cut by agentk before 20 MiB + 4 MiB reached it", async () => {
    kas.objects(bigFile("flood", 4 * MiB, LIMITS.chunkBytes, 64), sendBatch(good("c2")));
    const f = follow();
    await until("the good batch after the flood", async () => (f.batches.length > 0 ? true : undefined), 60_000, () => errorsIn(f.lines));
    expect(kas.calls[0]!.cancelledByPeer).toBe(true);
    // What kas wrote past the limit is at most what HTTP/2 windows and socket buffers hold.
    expect(kas.calls[0]!.objectBytes).toBeLessThan(LIMITS.totalBytes + 4 * MiB);
    expect(errorsIn(f.lines)).toMatch(/over the limit of 20971520 bytes/);
  });

  test("four protocol violations in a row: the reconnect delays double (20, 40, 80, 160 ms), then a good batch is taken", async () => {
    const violation = send([header("bad"), header("bad2")]);
    kas.objects(violation, violation, violation, violation, sendBatch(good("c2")));
    const f = follow({ initialMs: 20, maxMs: 10_000, jitter: 0 });
    await until("the good batch", async () => (f.batches.length > 0 ? true : undefined), 20_000);
    expect(f.lines.filter((l) => l.retry_in_ms !== undefined).map((l) => l.retry_in_ms)).toEqual([20, 40, 80, 160]);
  });
});

/** agentk in-process against `kas`, as the ServiceAccount of `kubeconfig`, with a fast backoff; its log lines go to `lines`. */
async function agentOn(kas: FakeKas, kubeconfig: string, podName: string, lines: Line[]): Promise<RunningAgent> {
  return startAgent({
    kasAddress: kas.address,
    token: "t",
    cluster: await kubeconfigAccess(kubeconfig),
    namespace: AGENT_NS,
    podName,
    backoff: { initialMs: 50, maxMs: 500 },
    leaderElectionRetryMs: 300,
    logger: createLogger({ level: "debug", write: (l) => void lines.push(JSON.parse(l) as Line) }),
  });
}

/** agentk follows PROJECT's main branch into namespace dude. */
const DUDE_CONFIG: AgentConfiguration = {
  gitops: {
    manifest_projects: [{ ...MANIFEST_PROJECT_DEFAULTS, id: PROJECT, ref: { branch: "main" }, default_namespace: "dude", paths: [{ glob: "**/*.yaml" }] }],
    scope: { mode: "namespaced", namespaces: ["dude"] },
    reapply_interval_seconds: 300,
  },
  observability: { logging: { level: "debug" } },
};

describe("agentk on the real cluster: a broken batch applies nothing, prunes nothing, and the next good one is applied", () => {
  const config = DUDE_CONFIG;
  let cluster: TestCluster;
  let kas: FakeKas;
  let agent: RunningAgent | undefined;
  const lines: Line[] = [];
  let applied = "c1";

  const value = async (name: string): Promise<string | null> => {
    const out = await cluster.kubectl(["get", "configmap", "-n", "dude", name, "-o", "jsonpath={.data.v}", "--ignore-not-found"]);
    return out === "" ? null : out;
  };
  /** What the broken batch would do if agentk took it: change a, create c, and (b missing) prune b. */
  const brokenFiles = (commit: string) => [object("manifests/a.yaml", `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: dude}\ndata: {v: ${commit}}\n`), object("manifests/c.yaml", `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: dude}\ndata: {v: ${commit}}\n`)];
  const cutAfterHeader = (commit: string, after: (c: Parameters<ObjectsScript>[0]) => void): ObjectsScript =>
    send([header(commit), ...brokenFiles(commit)], async (c) => {
      await headerRead(() => lines, commit);
      after(c);
    });

  beforeAll(async () => {
    cluster = await startTestCluster();
    const kubeconfig = await grantAgent(cluster, AGENT_NS, "agentk", ["dude"]);
    kas = await startFakeKas({ configuration: config });
    kas.objects(sendBatch(good("c1")));
    agent = await agentOn(kas, kubeconfig, "agentk-0", lines);
    await until("c1 applied", async () => ((await value("a")) === "c1" && (await value("b")) === "c1" ? true : undefined), 60_000, () => errorsIn(lines));
  }, 240_000);
  afterAll(async () => {
    await agent?.close();
    await kas?.stop();
    await cluster?.stop();
  });

  const streamBroken = (why: RegExp) => ({ why, reconnects: true });
  test.each<[string, (commit: string) => ObjectsScript, { why: RegExp; reconnects: boolean }]>([
    ["truncated (no Trailer)", (k) => send([header(k), ...brokenFiles(k)]), streamBroken(/middle of a batch.*no Trailer/)],
    ["Objects before any Header", (k) => send([...brokenFiles(k), trailer]), streamBroken(/before any Header/)],
    ["a Header, then another Header", (k) => send([header(k), ...brokenFiles(k), header(`${k}-2`), trailer]), streamBroken(/Header for .*-2 before the Trailer/)],
    ["a Header for another project", (k) => send([header(k, "other/project"), ...brokenFiles(k), trailer]), streamBroken(/Header for project other\/project/)],
    ["one 6 MiB object", (k) => send([header(k), brokenFiles(k)[0]!, object("manifests/big.yaml", Buffer.alloc(6 * MiB, 0x20)), trailer]), streamBroken(/big\.yaml.*over the limit of 5242880 bytes a file/)],
    ["chunks adding to over 20 MiB", (k) => bigFiles(k, PROJECT, 4 * MiB, LIMITS.chunkBytes, 8), streamBroken(/over the limit of 20971520 bytes a batch/)],
    ["kas disappears mid-batch", (k) => cutAfterHeader(k, (c) => c.drop()), streamBroken(/middle of a batch.*no Trailer/)],
    ["an error status mid-batch", (k) => cutAfterHeader(k, (c) => c.fail(grpc.status.UNAVAILABLE, "kas is shutting down")), streamBroken(/middle of a batch.*UNAVAILABLE.*kas is shutting down/)],
    ["malformed YAML", (k) => sendBatch({ commitId: k, projectId: PROJECT, files: [...brokenFiles(k).map(toFile), { path: "manifests/d.yaml", data: Buffer.from("kind: [\n") }] }), { why: /Commit rejected.*manifests\/d\.yaml.*invalid YAML/, reconnects: false }],
    // Within the 5 MiB file limit; before, agentk ran out of memory on either (3.5 GB, 2.5 GB).
    ["a 5 MiB file of ']' lines (2.6 million YAML errors)", (k) => sendBatch({ commitId: k, projectId: PROJECT, files: [...brokenFiles(k).map(toFile), { path: "manifests/d.yaml", data: Buffer.from("]\n".repeat(2.5 * MiB)) }] }), { why: /Commit rejected.*manifests\/d\.yaml: invalid YAML: more than 1000 errors; the rest of the file was not read.*902 more problem\(s\) not listed/, reconnects: false }],
    ["a 5 MiB file of '- [' lines (nested 1.3 million deep)", (k) => sendBatch({ commitId: k, projectId: PROJECT, files: [...brokenFiles(k).map(toFile), { path: "manifests/d.yaml", data: Buffer.from("- [\n".repeat(1.25 * MiB)) }] }), { why: /Commit rejected.*manifests\/d\.yaml: line 10001: invalid YAML: flow collections .* nested more than 10000 deep/, reconnects: false }],
  ])("%s", async (_name, script, expected) => {
    const broken = `bad-${kas.calls.length}`;
    const from = lines.length;
    const calls = kas.calls.length;
    kas.objects(script(broken));
    await until("agentk's error about the broken batch", async () => (expected.why.test(errorsIn(lines.slice(from))) ? true : undefined), 30_000, () => errorsIn(lines.slice(from)));
    if (expected.reconnects) {
      // The stream was given up and opened again, asking from the commit last applied: the broken one never counted.
      await until("agentk reconnected", async () => (kas.calls.length > calls ? true : undefined), 10_000);
      expect(kas.calls[kas.calls.length - 1]!.request.commit_id).toBe(applied);
    } else {
      // A complete batch that does not parse is a commit agentk judged: it reports it, and waits for the next one.
      await until("the rejection reported to kas", async () => (kas.reports.some((r) => r.commit_id === broken) ? true : undefined), 30_000);
      expect(kas.reports.find((r) => r.commit_id === broken)).toMatchObject({ success: false, objects: [] });
    }
    // Held: a unchanged, c never created, b not pruned.
    expect([await value("a"), await value("b"), await value("c")]).toEqual([applied, applied, null]);

    const next = `c${kas.calls.length}-${Date.now()}`;
    kas.objects(sendBatch(good(next)));
    await until(`${next} applied`, async () => ((await value("a")) === next ? true : undefined), 30_000, () => errorsIn(lines.slice(from)));
    expect([await value("b"), await value("c")]).toEqual([next, null]);
    applied = next;
  });
});

describe("agentk on the real cluster: a kas that repeats itself", () => {
  let cluster: TestCluster;
  let kas: FakeKas;
  let agent: RunningAgent | undefined;
  const lines: Line[] = [];
  const config = DUDE_CONFIG;

  beforeAll(async () => {
    cluster = await startTestCluster();
    const kubeconfig = await grantAgent(cluster, AGENT_NS, "agentk", ["dude"]);
    kas = await startFakeKas({ configuration: config, agentId: "repeat" });
    agent = await agentOn(kas, kubeconfig, "agentk-repeat", lines);
  }, 240_000);
  afterAll(async () => {
    await agent?.close();
    await kas?.stop();
    await cluster?.stop();
  });

  test("the same commit sent 20 times on one stream is synced once, not cancelled and restarted by each copy", async () => {
    const maps = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`r${i}`, "r1"]));
    const batch = configMapBatch("r1", PROJECT, "dude", maps);
    kas.objects(async (c) => {
      for (let i = 0; i < 20; i++) if (!(await c.batch(batch))) return;
    });
    await until("r1 reported", async () => (kas.reports.some((r) => r.commit_id === "r1") ? true : undefined), 60_000, () => errorsIn(lines));
    expect(kas.reports.filter((r) => r.commit_id === "r1").map((r) => r.success)).toEqual([true]);
    expect(lines.filter((l) => l.msg === "Synchronizing objects" && l.commit_id === "r1")).toHaveLength(1);
    expect(lines.some((l) => l.msg === "kas sent the commit it sent last again; ignored" && l.commit_id === "r1")).toBe(true);
  });
});

describe("agentk on the real cluster: a configuration with holes from kas", () => {
  let cluster: TestCluster;
  const stops: (() => Promise<void>)[] = [];
  const base: AgentConfiguration = {
    gitops: { manifest_projects: [], scope: { mode: "namespaced", namespaces: ["dude"] }, reapply_interval_seconds: 300 },
    observability: { logging: { level: "debug" } },
  };
  /** What protobuf delivers when kas leaves a message out: null. */
  const holes = { ...base, gitops: { ...base.gitops, reapply_interval_seconds: 0, manifest_projects: [{ ...MANIFEST_PROJECT_DEFAULTS, id: PROJECT, ref: null }] } } as unknown as AgentConfiguration;
  const goodConfig: AgentConfiguration = { ...base, gitops: { ...base.gitops, manifest_projects: [{ ...MANIFEST_PROJECT_DEFAULTS, id: PROJECT, ref: { branch: "main" }, default_namespace: "dude", paths: [{ glob: "**/*.yaml" }] }] } };

  async function agentk(agentId: string, configuration: AgentConfiguration): Promise<{ kas: FakeKas; agent: RunningAgent; lines: Line[] }> {
    const kas = await startFakeKas({ configuration, agentId });
    const lines: Line[] = [];
    // One ServiceAccount per agent, as deployed: its Lease and inventory are named after it, and the agents of earlier tests still run.
    const kubeconfig = await grantAgent(cluster, AGENT_NS, `agentk-${agentId}`, ["dude"]);
    const agent = await agentOn(kas, kubeconfig, `agentk-${agentId}`, lines);
    stops.push(async () => (await agent.close(), await kas.stop()));
    return { kas, agent, lines };
  }
  const logged = (lines: readonly Line[], re: RegExp) => async () => (re.test(errorsIn(lines)) ? true : undefined);

  beforeAll(async () => {
    cluster = await startTestCluster();
  }, 240_000);
  afterAll(async () => {
    for (const stop of stops) await stop();
    await cluster?.stop();
  });

  test("as the first configuration (before the Lease is won): refused, naming the fields; agentk runs on and takes the next good one", async () => {
    const { kas, agent, lines } = await agentk("holes-first", holes);
    await until("the refusal", logged(lines, /Invalid agent configuration.*reapply_interval_seconds: 0.*manifest_projects\[0\]\.ref: missing/), 30_000, () => errorsIn(lines));
    expect(agent.isLeader()).toBe(false); // nothing to lead with: the election starts on the first usable configuration
    kas.configure(goodConfig);
    kas.objects(sendBatch(configMapBatch("h1", PROJECT, "dude", { h: "h1" })));
    await until("the good configuration's project applied", async () =>
      (await cluster.kubectl(["get", "configmap", "-n", "dude", "h", "-o", "jsonpath={.data.v}", "--ignore-not-found"])) === "h1" ? true : undefined,
    60_000, () => errorsIn(lines));
    expect(agent.isLeader()).toBe(true);
  });

  test("after a good one: refused, and the running worker keeps following its project", async () => {
    const { kas, lines } = await agentk("holes-later", goodConfig);
    kas.objects(sendBatch(configMapBatch("l1", PROJECT, "dude", { l: "l1" })));
    const value = () => cluster.kubectl(["get", "configmap", "-n", "dude", "l", "-o", "jsonpath={.data.v}", "--ignore-not-found"]);
    await until("l1 applied", async () => ((await value()) === "l1" ? true : undefined), 60_000, () => errorsIn(lines));
    kas.configure(holes);
    await until("the refusal", logged(lines, /Invalid agent configuration.*manifest_projects\[0\]\.ref: missing/), 30_000, () => errorsIn(lines));
    kas.objects(sendBatch(configMapBatch("l2", PROJECT, "dude", { l: "l2" })));
    await until("l2 applied by the same worker", async () => ((await value()) === "l2" ? true : undefined), 60_000, () => errorsIn(lines));
  });
});

function toFile(m: ReturnType<typeof msg.object>): { path: string; data: Buffer } {
  if (m.message !== "object") throw new Error("not an Object");
  return { path: m.object.source, data: m.object.data };
}
