/**
 * big-agent (issue 19 item 6): one agent, one manifest project of 10,000
 * ConfigMaps in 1000 files (10 documents a file: kas serves at most 1000
 * files a commit, as GitLab). agentk runs as a process in the image's form
 * (`node runtime/dist/cli.js agentk`) on the real test cluster as its
 * least-privilege ServiceAccount; kas runs in this process. Measured: peak RSS
 * (VmHWM) over start and first sync, the first sync's time, no-op re-syncs
 * (a new commit that changes only a file outside the project's paths: kas
 * sends the same 1000 files again) with their write count from the
 * apiserver's audit log, and what the drift watches cost once the agent is
 * idle: CPU and RSS over 30 s, and the watches the apiserver holds open.
 */
import { execFile, type ChildProcess } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { startTestCluster, type TestCluster } from "../test/cluster";
import { freePorts } from "../test/cluster/ports";
import { commitFiles, makeRepo, removeDir, tempDir } from "../test/git";
import { newToken, startTestKas, type TestKas } from "../test/kas";
import { grantAgent } from "../test/agentk/rbac";
import { AuditLog, auditArgs, writeAuditPolicy } from "./lib/apiserver";
import { configMapWatches, heapOf, untilReverted } from "./lib/agentk-probes";
import { LogTail, syncWatcher, type SyncEnd } from "./lib/log-tail";
import { agentConfig, manifestFiles } from "./lib/manifests";
import { cpuSeconds, memoryOf, resetPeak, sampleRss, spawnTracked, stopChild } from "./lib/proc";
import { remoteAllocationSampler, type AllocationEntry } from "./lib/heap-profile";
import { describeProfile, remoteProfiler, type ProfileSummary } from "./lib/profile";
import type { BenchResult } from "./lib/report";
import { bigAgentReport, type BigAgentRun } from "./big-agent-report";
import { sleep } from "./lib/stats";

const ROOT = path.resolve(__dirname, "..");
const AGENT_NS = "bench-agentk";
const SA = "agentk";
const SA_USER = `system:serviceaccount:${AGENT_NS}:${SA}`;
const NS = "big";
export const OBJECTS = 10_000;
export const PER_FILE = 10;
export const NOOP_RUNS = 5;
export const IDLE_WINDOW_MS = 30_000;
const SYNC_TIMEOUT_MS = 900_000;
/** $BENCH_AGENTK_NODE_FLAGS: node flags to try before the image's entry point adopts them (e.g. "--no-opt"); the result names them. */
const NODE_FLAGS = (process.env.BENCH_AGENTK_NODE_FLAGS ?? "").split(" ").filter(Boolean);
/** $BENCH_AGENTK_ENV: "NAME=value ..." set for agentk (e.g. glibc malloc tunables), named in the result as the flags are. */
const EXTRA_ENV = (process.env.BENCH_AGENTK_ENV ?? "").split(" ").filter(Boolean);
const run = promisify(execFile);

export async function runBigAgent(options: { profile: boolean; log: (line: string) => void }): Promise<BenchResult> {
  const { log } = options;
  const dir = await tempDir("bench-big-agent-");
  let cluster: TestCluster | undefined;
  let kas: TestKas | undefined;
  let child: ChildProcess | undefined;
  try {
    log("big-agent: npm run build:dist");
    await run("npm", ["run", "--silent", "build:dist"], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
    const policy = path.join(dir, "audit-policy.yaml");
    const auditFile = path.join(dir, "audit.log");
    writeAuditPolicy(policy);
    cluster = await startTestCluster({ apiserverArgs: auditArgs(policy, auditFile) });
    const admin = cluster.admin;
    const audit = new AuditLog(auditFile);
    const kubeconfig = await grantAgent(cluster, AGENT_NS, SA, [NS]);
    const configRepo = path.join(dir, "agent-config");
    await makeRepo(configRepo, { ".gitlab/agents/big/config.yaml": agentConfig("bench/big", NS) });
    const repo = path.join(dir, "big");
    const files = manifestFiles("configmaps", OBJECTS, 1, { perFile: PER_FILE });
    const head = await makeRepo(repo, { ...files, "README.md": "a big agent\n" });
    const token = newToken();
    kas = await startTestKas({
      agents: [{ name: "big", id: "1", configProject: "bench/agent-config", tokens: [token] }],
      projects: [{ id: "bench/agent-config", url: configRepo }, { id: "bench/big", url: repo, agents: ["big"] }],
    });
    const watchesBefore = await configMapWatches(admin);

    const [obsPort, inspectPort] = (await freePorts(2)) as [number, number];
    const logFile = path.join(dir, "agentk.log");
    const fd = openSync(logFile, "a");
    const env: NodeJS.ProcessEnv = { ...process.env, AGENTK_TOKEN: token, NODE_ENV: "production", ...Object.fromEntries(EXTRA_ENV.map((kv) => kv.split("=", 2) as [string, string])) };
    delete env.NODE_OPTIONS;
    const nodeArgs = [...NODE_FLAGS, ...(options.profile ? [`--inspect=127.0.0.1:${inspectPort}`] : [])];
    const args = ["--kas-address", `grpc://${kas.grpcAddress}`, "--kubeconfig", kubeconfig, "--namespace", AGENT_NS, "--pod-name", "big-agent", "--observability-listen-address", `127.0.0.1:${obsPort}`];
    log(`big-agent: starting agentk (dist) on ${OBJECTS} ConfigMaps in ${Object.keys(files).length} files`);
    const t0 = Date.now();
    child = spawnTracked(process.execPath, [...nodeArgs, path.join(ROOT, "runtime/dist/cli.js"), "agentk", ...args], { stdio: ["ignore", fd, fd], env, cwd: ROOT });
    closeSync(fd);
    const pid = child.pid as number;
    const ended = syncWatcher(new LogTail(logFile));
    const proc = child;
    const synced = async (commit: string): Promise<SyncEnd> => {
      const deadline = Date.now() + SYNC_TIMEOUT_MS;
      for (;;) {
        const e = ended(commit);
        if (e) return e;
        if (proc.exitCode !== null) throw new Error(`agentk exited ${proc.exitCode}; log: ${logFile}`);
        if (Date.now() > deadline) throw new Error(`agentk: no end of sync of ${commit} within ${SYNC_TIMEOUT_MS} ms`);
        await sleep(100);
      }
    };
    const heap = (): ReturnType<typeof heapOf> => heapOf(obsPort);
    const profiler = options.profile ? await connectProfiler(inspectPort) : undefined;
    const profiles: ProfileSummary[] = [];
    const allocations = options.profile ? await remoteAllocationSampler(inspectPort) : undefined;
    const allocated: { label: string; top: AllocationEntry[] }[] = [];
    await profiler?.start();
    audit.mark();
    const first = await synced(head);
    const firstWallMs = Date.now() - t0;
    if (profiler) profiles.push(await profiler.stop("first sync"));
    await sleep(500);
    const firstWrites = syncWrites(audit.take().byUserResource).writes;
    const firstPeak = memoryOf(pid).hwm;
    const firstCpu = cpuSeconds(pid);
    log(`big-agent: first sync ${first.msg} in ${firstWallMs} ms, peak ${(firstPeak / 2 ** 20).toFixed(1)} MiB, ${firstWrites} writes`);
    await sleep(5000);
    const afterFirstRss = memoryOf(pid).rss;
    const afterFirstHeap = await heap();

    const noops: BigAgentRun["noops"][number][] = [];
    for (let i = 0; i < NOOP_RUNS; i++) {
      resetPeak(pid);
      audit.mark();
      const cpu0 = cpuSeconds(pid);
      await profiler?.start();
      await allocations?.start();
      const c0 = Date.now();
      const commit = await commitFiles(repo, { "README.md": `a big agent, no-op commit ${i + 1}\n` }, { message: `no-op ${i + 1}` });
      const end = await synced(commit);
      const wallMs = Date.now() - c0;
      if (profiler) profiles.push(await profiler.stop(`no-op re-sync ${i + 1}`));
      if (allocations) allocated.push({ label: `no-op re-sync ${i + 1}`, top: await allocations.stop() });
      await sleep(500);
      const writes = audit.take();
      noops.push({
        wallMs,
        agentMs: end.startedAt === undefined ? NaN : end.endedAt - end.startedAt,
        result: end.msg,
        ...syncWrites(writes.byUserResource),
        cpuSeconds: cpuSeconds(pid) - cpu0,
        peakBytes: memoryOf(pid).hwm,
        heap: await heap(),
      });
      log(`big-agent: no-op ${i + 1}: ${wallMs} ms (agent ${noops[i]!.agentMs} ms), ${noops[i]!.writes} writes`);
      await sleep(2000);
    }

    log(`big-agent: idle with drift watches open, ${IDLE_WINDOW_MS / 1000} s`);
    await sleep(3000);
    resetPeak(pid);
    const sampler = sampleRss(pid, 500);
    const idleCpu0 = cpuSeconds(pid);
    await sleep(IDLE_WINDOW_MS);
    const idle = { cpuSeconds: cpuSeconds(pid) - idleCpu0, maxRssBytes: sampler.stop(), rssBytes: memoryOf(pid).rss, heap: await heap(), configMapWatches: (await configMapWatches(admin)) - watchesBefore };

    // Drift: an admin edits one ConfigMap; the watch sees it and the agent re-applies (one write).
    audit.mark();
    const d0 = Date.now();
    await cluster.kubectl(["-n", NS, "patch", "configmap", "cm-0042", "--type=merge", "-p", '{"data":{"version":"drifted"}}']);
    const driftMs = await untilReverted(admin, `/api/v1/namespaces/${NS}/configmaps/cm-0042`, d0);
    await sleep(1000);
    const driftWrites = syncWrites(audit.take().byUserResource).writes;
    await profiler?.close();
    allocations?.close();
    const result: BigAgentRun = { objects: OBJECTS, files: Object.keys(files).length, firstWallMs, firstAgentMs: first.startedAt === undefined ? NaN : first.endedAt - first.startedAt, firstResult: first.msg, firstWrites, firstPeakBytes: firstPeak, firstCpuSeconds: firstCpu, afterFirstRssBytes: afterFirstRss, afterFirstHeap, noops, idle, drift: { revertMs: driftMs, writes: driftWrites } };
    for (const p of profiles) log(describeProfile(p));
    for (const a of allocated) log(`allocated during ${a.label}: ${a.top.map((e) => `${e.name} ${e.totalMiB} MiB`).join("; ")}`);
    return bigAgentReport({ ...result, nodeFlags: [...EXTRA_ENV, ...NODE_FLAGS] }, profiles, allocated);
  } finally {
    if (child) await stopChild(child);
    await kas?.stop();
    await cluster?.stop();
    await removeDir(dir);
  }
}

/**
 * The agent's writes from audit events "user verb resource": all but its leader-election Lease
 * renewals (every few seconds whatever the sync does), which are counted apart.
 */
function syncWrites(byUserResource: Record<string, number>): { writes: number; leaseWrites: number; writesByResource: Record<string, number> } {
  const mine = Object.entries(byUserResource).filter(([k]) => k.startsWith(`${SA_USER} `)).map(([k, v]) => [k.slice(SA_USER.length + 1), v] as const);
  const lease = (k: string): boolean => / leases$/.test(k);
  return {
    writes: mine.filter(([k]) => !lease(k)).reduce((s, [, v]) => s + v, 0),
    leaseWrites: mine.filter(([k]) => lease(k)).reduce((s, [, v]) => s + v, 0),
    writesByResource: Object.fromEntries(mine),
  };
}

async function connectProfiler(port: number): ReturnType<typeof remoteProfiler> {
  for (let i = 0; ; i++) {
    try {
      return await remoteProfiler(port);
    } catch (err) {
      if (i > 50) throw err;
      await sleep(100);
    }
  }
}
