/**
 * agentk's own applies and prunes are not drift: a commit that changes one
 * object among several is synced once (not once more when the drift watch
 * sees agentk's own writes), while an edit by another client still brings a
 * re-sync. In-process agentk, a real kas, the real test cluster, the agent's
 * least-privilege ServiceAccount.
 */
import * as path from "node:path";
import { createLogger } from "../../runtime/common";
import { kubeconfigAccess, startAgent, type RunningAgent } from "../../runtime/agentk";
import { startTestCluster, type TestCluster } from "../cluster";
import { freePorts } from "../cluster/ports";
import { commitFiles, makeRepo, removeDir, tempDir } from "../git";
import { newToken, startTestKas, type TestKas } from "../kas";
import { until as untilDone } from "../until";
import { grantAgent } from "./rbac";
import { AGENT_NS, agentConfig, nginx } from "./scenario";

let cluster: TestCluster;
let kas: TestKas;
let agent: RunningAgent | undefined;
let dir: string;
let repo: string;
const token = newToken();
const lines: string[] = [];
type Line = Record<string, unknown>;
const parsed = (): Line[] => lines.map((l) => JSON.parse(l) as Line);

const configMap = (name: string, value: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}}\ndata: {value: "${value}"}\n`;
const files = (values: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(values).map(([name, value]) => [`manifests/${name}.yaml`, configMap(name, value)]));

const until = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> =>
  untilDone(what, probe, timeoutMs, () => `agent log tail:\n${lines.slice(-15).join("")}`);
/** The sync passes over `commit` so far ("Synchronizing objects" lines). */
const passes = (commit: string): number => parsed().filter((l) => l.msg === "Synchronizing objects" && l.commit_id === commit).length;
const finished = (commit: string, n = 1) => async (): Promise<true | undefined> =>
  parsed().filter((l) => /^Synchronization (finished|failed)$/.test(String(l.msg)) && l.commit_id === commit).length >= n ? true : undefined;
/** How long a second pass, if one were coming, takes at most to start: the drift watch reacts within milliseconds. */
const SETTLE_MS = 3_000;
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, SETTLE_MS));

beforeAll(async () => {
  cluster = await startTestCluster();
  const kubeconfig = await grantAgent(cluster, AGENT_NS, "agentk", ["dude"]);
  dir = await tempDir();
  repo = path.join(dir, "own-writes");
  await makeRepo(repo, {
    ".gitlab/agents/dude-agent/config.yaml": agentConfig(),
    "manifests/dude.yaml": nginx("dude", 1),
    ...files({ a: "1", b: "1", c: "1", d: "1" }),
  });
  const [grpcPort] = (await freePorts(1)) as [number];
  kas = await startTestKas({
    agents: [{ name: "dude-agent", id: "1", configProject: "group/dude-naww", tokens: [token] }],
    projects: [{ id: "group/dude-naww", url: repo }],
    listen: { grpc: `127.0.0.1:${grpcPort}` },
  });
  agent = await startAgent({
    kasAddress: `grpc://127.0.0.1:${grpcPort}`,
    token,
    cluster: await kubeconfigAccess(kubeconfig),
    namespace: AGENT_NS,
    podName: "agentk-0",
    backoff: { initialMs: 200, maxMs: 1000 },
    leaderElectionRetryMs: 300,
    logger: createLogger({ level: "debug", write: (l) => void lines.push(l) }, { component: "agentk" }),
  });
}, 240_000);

afterAll(async () => {
  await agent?.close();
  await kas?.stop();
  await cluster?.stop();
  if (dir) await removeDir(dir);
});

const headCommit = async (): Promise<string> =>
  until("the first commit synced", async () => parsed().find((l) => l.msg === "Synchronization finished")?.commit_id as string | undefined);

test("a commit that changes one ConfigMap and removes another is synced exactly once; unchanged objects are logged once", async () => {
  const first = await headCommit();
  await settle(); // the drift watch is open on every object
  expect(passes(first)).toBe(1);
  const commit = await commitFiles(repo, { ...files({ a: "2" }), "manifests/d.yaml": null });
  await until("the commit synced", finished(commit));
  await settle();
  expect(passes(commit)).toBe(1);
  const statuses = parsed().filter((l) => l.eventType === "resourceStatus" && l.commit_id === commit);
  const of = (name: string): unknown[] => statuses.filter((l) => l.name === name).map((l) => l.status);
  expect(of("a")).toEqual(["Applied", "Current"]);
  expect(of("b")).toEqual(["Skipped", "Current"]);
  expect(of("d")).toEqual(["Pruned"]);
  expect(await cluster.kubectl(["get", "cm", "-n", "dude", "a", "-o", "jsonpath={.data.value}"])).toBe("2");
});

test("an edit by another client is drift: it brings one re-sync that reverts it", async () => {
  const commit = String(parsed().filter((l) => l.msg === "Synchronization finished").pop()?.commit_id);
  const before = passes(commit);
  await cluster.kubectl(["patch", "cm", "-n", "dude", "b", "--type=merge", "-p", '{"data":{"value":"edited"}}']);
  await until("the edit reverted", async () => ((await cluster.kubectl(["get", "cm", "-n", "dude", "b", "-o", "jsonpath={.data.value}"])) === "1" ? true : undefined), 15_000);
  await until("the re-sync finished", finished(commit, before + 1));
  await settle();
  expect(passes(commit)).toBe(before + 1);
  expect(parsed().some((l) => l.msg === "Sync starting" && String(l.message).startsWith("drift:") && String(l.message).endsWith("/b modified"))).toBe(true);
});

test("a commit that changes the Deployment's pod template (a rollout) is synced exactly once", async () => {
  const commit = await commitFiles(repo, { "manifests/dude.yaml": nginx("dude", 1).replace("nginx:1.14.2", "nginx:1.27") });
  await until("the commit synced", finished(commit), 90_000);
  await settle();
  expect(passes(commit)).toBe(1);
});
