/**
 * kas-scale: kas as its own process (bin/kas --config) with 100, 1000 and
 * 5000 simulated agents, each a distinct agent of the file registry with its
 * own token and its own .gitlab/agents/<name>/config.yaml in one shared
 * configuration project (a local repository: kas's file watch notices
 * commits). Every agent is a real gRPC client on its own connection holding a
 * GetConfiguration stream, spread over child processes. Measured: kas's RSS
 * and CPU over a 5 s idle window (/proc), and the time from a commit that
 * changes every agent's config.yaml to the last agent receiving it.
 */
import type { ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { parseAgentConfig } from "../runtime/kas/agentcfg";
import { GitSource } from "../runtime/kas/git";
import { ObjectReader } from "../runtime/kas/git/objects";
import { hashToken } from "../runtime/kas/registry";
import { LIMITS } from "../runtime/rpc";
import { freePorts } from "../test/cluster/ports";
import { commitFiles, makeRepo, removeDir, tempDir } from "../test/git";
import { refWrittenAt } from "./lib/git-ref";
import { newToken } from "../test/kas";
import { agentConfig } from "./lib/manifests";
import { cpuSeconds, memoryOf, openFds, sampleRss, spawnTracked, stopChild } from "./lib/proc";
import { describeProfile, inProcessProfiler, remoteProfiler, type ProfileSummary } from "./lib/profile";
import type { Aim, BenchResult } from "./lib/report";
import { mib, ms, percentile, sleep } from "./lib/stats";

const ROOT = path.resolve(__dirname, "..");
const SIZES = (process.env.BENCH_KAS_SIZES ?? "100,1000,5000").split(",").map(Number);
/** Simulated agents per child process. */
const PER_CHILD = 1250;
/** Streams a child opens at once before waiting for their first configuration. */
const CONNECT_BATCH = 100;
const IDLE_SETTLE_MS = 3000;
/** Agents that connect all at once in the reconnect-storm row (one client process). */
const HERD = 1000;
const IDLE_WINDOW_MS = 5000;
const COMMITS = 3;
/** Longest wait for one commit to reach every agent (and, at 5000 agents, only one commit: the budget of the whole run). */
const FANOUT_TIMEOUT_MS = 90_000;
const CONNECT_TIMEOUT_MS = 240_000;

interface SizeResult {
  readonly agents: number;
  readonly children: number;
  readonly connectMs: number;
  readonly connected: number;
  readonly idle?: { rssBytes: number; cpuPercent: number; fds: number };
  readonly fanout: FanoutRun[];
  /** Every agent connected at once (a reconnect storm after a kas restart); nothing else measured. */
  readonly herd?: boolean;
  /** kas died: when and why. */
  readonly crash?: string;
  readonly peakRssBytes: number;
  readonly profiles: ProfileSummary[];
  readonly errors: string[];
}

interface FanoutRun {
  readonly reachAllMs: number;
  readonly p50Ms: number;
  readonly missing: number;
  /** CPU seconds from just before the commit to the last arrival: kas, and the client processes together (same 2 cores). */
  readonly kasCpuS: number;
  readonly clientsCpuS: number;
}

type ChildMsg =
  | { type: "connected"; agents: number; errors: string[] }
  | { type: "arrived"; commit: string; times: number[]; missing: number; errors: string[] };

export async function runKasScale(options: { profile: boolean; log: (line: string) => void }): Promise<BenchResult> {
  const results: SizeResult[] = [];
  const whatIf = await gitReadWhatIf(Math.max(...SIZES), options);
  options.log(`kas-scale: what-if, ${whatIf.files} config files: ${whatIf.rows.map((r) => `${r.what} ${ms(r.ms)}`).join("; ")}`);
  for (const n of SIZES) {
    options.log(`kas-scale: ${n} agents`);
    const r = await measureSize(n, options);
    results.push(r);
    options.log(
      `kas-scale: ${n} agents: connected ${r.connected} in ${ms(r.connectMs)}; idle RSS ${r.idle ? mib(r.idle.rssBytes) : "n/a"}, ` +
        `CPU ${r.idle ? r.idle.cpuPercent.toFixed(1) : "n/a"}%; commit -> all ${r.fanout.map((f) => ms(f.reachAllMs)).join(", ")}${r.crash ? `; ${r.crash}` : ""}`,
    );
  }
  options.log(`kas-scale: ${HERD} agents connecting at once`);
  const herd = await measureSize(HERD, options, true);
  options.log(`kas-scale: herd of ${HERD}: ${herd.connected} served in ${ms(herd.connectMs)}, kas peak RSS ${mib(herd.peakRssBytes)}${herd.crash ? `; ${herd.crash}` : ""}`);
  results.push(herd);
  return report(results, whatIf);
}

interface WhatIf {
  readonly files: number;
  readonly rows: { what: string; ms: number; cpuMs: number }[];
  readonly profiles: ProfileSummary[];
}

/**
 * Where a config commit's time goes in kas, in this process, every agent's
 * read started at once as kas's subscribers do: GitSource.readFile as
 * configuration-service calls it; the blobs alone (their ids known: what is
 * left once trees and commits are memoized); parseAgentConfig alone.
 */
async function gitReadWhatIf(n: number, options: { profile: boolean; log: (line: string) => void }): Promise<WhatIf> {
  const dir = await tempDir("bench-kas-git-");
  try {
    const name = (i: number) => `agent-${i}`;
    const file = (i: number) => `.gitlab/agents/${name(i)}/config.yaml`;
    const repo = path.join(dir, "fleet-config");
    await makeRepo(repo, Object.fromEntries(Array.from({ length: n }, (_, i) => [file(i), agentConfig("bench/fleet-manifests", `fleet-${i}`)])), { message: "fleet config" });
    // The commit kas serves after a push: every file changed (a second pack, as in the benchmark).
    const commit = await commitFiles(repo, Object.fromEntries(Array.from({ length: n }, (_, i) => [file(i), agentConfig("bench/fleet-manifests", `fleet-${i}`, "debug")])), {
      message: "fleet config",
    });
    const source = new GitSource({ projects: [{ id: "bench/fleet-config", url: repo }] });
    const rows: WhatIf["rows"] = [];
    const profiles: ProfileSummary[] = [];
    const time = async (what: string, fn: () => Promise<void>) => {
      const profiler = options.profile ? inProcessProfiler() : undefined;
      await profiler?.start();
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      await fn();
      const cpu = process.cpuUsage(cpu0);
      rows.push({ what, ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 });
      if (profiler) {
        const p = await profiler.stop(`what-if: ${what}`);
        profiles.push(p);
        options.log(describeProfile(p));
        await profiler.close();
      }
    };
    const blobs: Buffer[] = [];
    const all = <T>(fn: (i: number) => Promise<T>): Promise<T[]> => Promise.all(Array.from({ length: n }, (_, i) => fn(i)));
    await time(`GitSource.readFile x ${n}, all at once (what configuration-service does on a commit)`, async () => {
      blobs.push(...((await all((i) => source.readFile("bench/fleet-config", commit, file(i), LIMITS.configFileBytes))) as Buffer[]));
    });
    const check = (i: number, data: Buffer): void => {
      if (!data.equals(blobs[i] as Buffer)) throw new Error(`what-if read of ${file(i)} differs`);
    };
    // The floor: the blobs' ids already known, only the blobs read (a reader of its own, its object cache empty).
    const reader = new ObjectReader(path.join(repo, ".git"), "bench/fleet-config", { cacheBytes: 32 * 1024 * 1024 });
    const listed = await reader.listFiles(await reader.rootTree(commit), (d) => ".gitlab/agents".startsWith(d) || d.startsWith(".gitlab/agents/"));
    const oids = new Map(listed.map((f) => [f.path, f.oid]));
    await time(`only the ${n} blobs (ids known), all at once: ObjectReader.readBlob (own pack reader, node:zlib)`, async () => {
      await all(async (i) => check(i, await reader.readBlob(oids.get(file(i)) ?? "")));
    });
    await time(`parseAgentConfig x ${n}`, async () => {
      for (let i = 0; i < n; i++) {
        const r = parseAgentConfig(blobs[i] as Buffer, { file: `bench/fleet-config:${file(i)}`, configProjectId: "bench/fleet-config" });
        if (!r.ok) throw new Error(r.error);
      }
    });
    return { files: n, rows, profiles };
  } finally {
    await removeDir(dir);
  }
}

async function measureSize(n: number, options: { profile: boolean; log: (line: string) => void }, herd = false): Promise<SizeResult> {
  const dir = await tempDir("bench-kas-scale-");
  const children: ChildProcess[] = [];
  let kas: ChildProcess | undefined;
  const profiles: ProfileSummary[] = [];
  const commits = n >= 5000 ? 1 : COMMITS;
  let rss: { stop(): number } | undefined;
  try {
    const tokens = Array.from({ length: n }, () => newToken());
    const name = (i: number) => `agent-${i}`;
    writeFileSync(
      path.join(dir, "agents.yaml"),
      stringify({ agents: tokens.map((t, i) => ({ id: i + 1, name: name(i), config_project: "bench/fleet-config", tokens: [{ sha256: hashToken(t) }] })) }),
    );
    const configs = (level: string) =>
      Object.fromEntries(tokens.map((_, i) => [`.gitlab/agents/${name(i)}/config.yaml`, agentConfig("bench/fleet-manifests", `fleet-${i}`, level)]));
    // Bare, as a Git host keeps it: no worktree for commitFiles to reset (5000 files) while kas serves the commit.
    const repo = path.join(dir, "fleet-config.git");
    await makeRepo(repo, configs("info"), { bare: true });
    const [grpcPort, obsPort, inspectPort] = (await freePorts(3)) as [number, number, number];
    writeFileSync(
      path.join(dir, "kas.yaml"),
      stringify({
        listen: { grpc: `127.0.0.1:${grpcPort}`, observability: `127.0.0.1:${obsPort}` },
        agents: { registry: "file", file: "agents.yaml" },
        git: { cache_dir: "cache", poll_period: "600s" },
        projects: [{ id: "bench/fleet-config", url: repo }],
        log_level: "info",
      }),
    );
    const logFd = openSync(path.join(dir, "kas.log"), "a");
    const k = spawnTracked(path.join(ROOT, "bin/kas"), ["--config", path.join(dir, "kas.yaml")], {
      stdio: ["ignore", logFd, logFd],
      env: { ...process.env, ...(options.profile ? { NODE_OPTIONS: `--inspect=127.0.0.1:${inspectPort}` } : {}) },
    });
    kas = k;
    closeSync(logFd);
    const pid = k.pid as number;
    await waitLive(`http://127.0.0.1:${obsPort}/liveness`, k);
    rss = sampleRss(pid, 200);

    // Children: each holds up to PER_CHILD agents.
    const inbox: ChildMsg[][] = [];
    const count = Math.ceil(n / PER_CHILD);
    for (let c = 0; c < count; c++) {
      const child = spawnTracked(process.execPath, ["-r", require.resolve("ts-node/register/transpile-only"), path.join(__dirname, "kas-scale-client.ts")], {
        stdio: ["ignore", "inherit", "inherit", "ipc"],
        cwd: ROOT,
      });
      const box: ChildMsg[] = [];
      child.on("message", (m: ChildMsg) => void box.push(m));
      children.push(child);
      inbox.push(box);
    }
    const crash = (): string | undefined =>
      exited(k) ? `kas died (${k.exitCode === null ? `signal ${k.signalCode}` : `exit ${k.exitCode}`}): ${lastFatal(path.join(dir, "kas.log"))}` : undefined;
    /** One message of `type` from every client process; with kas gone, whatever they say within 20 s. */
    const take = async <T extends ChildMsg["type"]>(type: T, timeoutMs: number): Promise<Extract<ChildMsg, { type: T }>[]> => {
      let deadline = Date.now() + timeoutMs;
      let kasGone = false;
      for (;;) {
        if (inbox.every((b) => b.some((m) => m.type === type))) {
          return inbox.map((b) => b.splice(b.findIndex((m) => m.type === type), 1)[0] as Extract<ChildMsg, { type: T }>);
        }
        if (children.some(exited)) throw new Error("kas-scale: a client process exited");
        if (!kasGone && exited(k)) {
          kasGone = true;
          deadline = Math.min(deadline, Date.now() + 20_000);
        }
        if (Date.now() > deadline) throw new Error(`kas-scale: no "${type}" from every client process within ${timeoutMs} ms${crash() ? `; ${crash()}` : ""}`);
        await sleep(20);
      }
    };
    const result = (extra: Partial<SizeResult>): SizeResult => ({
      agents: n,
      children: count,
      connectMs: NaN,
      connected: 0,
      fanout: [],
      peakRssBytes: Math.max(rss?.stop() ?? 0, exited(k) ? 0 : memoryOf(pid).hwm),
      profiles,
      errors: [],
      ...extra,
    });

    const t0 = Date.now();
    children.forEach((c, i) => c.send({ type: "connect", target: `127.0.0.1:${grpcPort}`, tokens: tokens.slice(i * PER_CHILD, (i + 1) * PER_CHILD), batch: herd ? PER_CHILD : CONNECT_BATCH }));
    const connectedMsgs = await take("connected", CONNECT_TIMEOUT_MS);
    const connectMs = Date.now() - t0;
    const connected = connectedMsgs.reduce((s, c) => s + c.agents, 0);
    const errors = connectedMsgs.flatMap((c) => c.errors);
    if (crash()) return result({ connectMs, connected, errors: uniq(errors), crash: `while ${n} agents connected (${connected} had their configuration): ${crash()}` });
    if (herd) return result({ connectMs, connected, errors: uniq(errors), herd: true });

    await sleep(IDLE_SETTLE_MS);
    const cpu0 = cpuSeconds(pid);
    await sleep(IDLE_WINDOW_MS);
    const cpu1 = cpuSeconds(pid);
    const idle = { rssBytes: memoryOf(pid).rss, cpuPercent: ((cpu1 - cpu0) / (IDLE_WINDOW_MS / 1000)) * 100, fds: openFds(pid) };

    const fanout: FanoutRun[] = [];
    for (let i = 1; i <= commits; i++) {
      const profiler = options.profile && i === 1 ? await remoteProfiler(inspectPort) : undefined;
      await profiler?.start();
      const clientCpu = () => children.reduce((sum, c) => sum + (c.pid === undefined ? 0 : cpuSeconds(c.pid)), 0);
      const [kasCpu0, clientsCpu0] = [cpuSeconds(pid), clientCpu()];
      const commit = await commitFiles(repo, configs(i % 2 === 1 ? "debug" : "info"), { message: `fleet config ${i}` });
      // From the moment the branch moved: kas may serve agents while commitFiles still resets the worktree.
      const c0 = refWrittenAt(repo);
      children.forEach((c) => c.send({ type: "expect", commit, timeoutMs: FANOUT_TIMEOUT_MS }));
      const arrived = await take("arrived", FANOUT_TIMEOUT_MS + 30_000);
      const [kasCpuS, clientsCpuS] = exited(k) ? [NaN, NaN] : [cpuSeconds(pid) - kasCpu0, clientCpu() - clientsCpu0];
      if (profiler && !exited(k)) {
        const p = await profiler.stop(`kas, ${n} agents: one config commit fanned out`);
        profiles.push(p);
        options.log(describeProfile(p));
        await profiler.close();
      }
      const times = arrived.flatMap((a) => a.times).map((t) => t - c0);
      const missing = arrived.reduce((s, a) => s + a.missing, 0);
      errors.push(...arrived.flatMap((a) => a.errors));
      fanout.push({ reachAllMs: missing > 0 ? NaN : Math.max(...times), p50Ms: percentile(times, 50), missing, kasCpuS, clientsCpuS });
      if (crash()) return result({ connectMs, connected, idle, fanout, errors: uniq(errors), crash: `during the fan-out of commit ${i}: ${crash()}` });
      await sleep(2000);
    }
    return result({ connectMs, connected, idle, fanout, errors: uniq(errors) });
  } finally {
    rss?.stop();
    for (const c of children) {
      if (c.connected) c.send({ type: "close" });
    }
    for (const c of children) await stopChild(c, 3000);
    if (kas) await stopChild(kas);
    await removeDir(dir);
  }
}

const uniq = (xs: readonly string[]): string[] => [...new Set(xs)].slice(0, 5);
const exited = (c: ChildProcess): boolean => c.exitCode !== null || c.signalCode !== null;

/** The FATAL line of a V8/Node crash, else the last line of the log. */
function lastFatal(file: string): string {
  const text = tail(file, 40);
  return text.split("\n").find((l) => /FATAL|heap out of memory|Allocation failed/.test(l))?.trim() ?? text.split("\n").at(-1) ?? "";
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

async function waitLive(url: string, kas: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (kas.exitCode !== null) throw new Error(`kas exited with ${kas.exitCode} during start`);
    const ok = await fetch(url).then((r) => r.ok, () => false);
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`kas not live at ${url} within 60 s`);
}

function report(results: readonly SizeResult[], whatIf: WhatIf): BenchResult {
  const aims: Aim[] = [];
  const biggest = results.find((r) => r.agents === 5000 && !r.herd);
  if (biggest) {
    const rssBytes = biggest.idle?.rssBytes;
    aims.push({
      what: "5000 agents: kas RSS (idle)",
      target: "< 1 GiB",
      measured: rssBytes === undefined ? `not reached: ${biggest.crash ?? "no idle window"}; peak sampled ${mib(biggest.peakRssBytes)}` : mib(rssBytes),
      met: rssBytes !== undefined && rssBytes < 2 ** 30,
    });
    const worst = biggest.fanout.length === 0 ? Infinity : Math.max(...biggest.fanout.map((f) => (Number.isNaN(f.reachAllMs) ? Infinity : f.reachAllMs)));
    aims.push({
      what: "5000 agents: a config commit reaches all (worst of runs)",
      target: "< 2 s",
      measured: Number.isFinite(worst) ? ms(worst) : biggest.fanout.length === 0 ? "not reached (see above)" : `${Math.max(...biggest.fanout.map((f) => f.missing))} agents missing after ${FANOUT_TIMEOUT_MS / 1000} s`,
      met: worst < 2000,
    });
  }
  const fanoutCell = (r: SizeResult) => r.fanout.map((f) => (f.missing ? `${f.missing} missing after ${FANOUT_TIMEOUT_MS / 1000} s` : ms(f.reachAllMs))).join(", ") || "-";
  return {
    name: "kas-scale",
    title: "kas with many connected agents (GetConfiguration streams)",
    method: {
      kas: "bin/kas --config (ts-node transpile-only), its own process, log_level info to a file, grpc:// on loopback",
      agents: `distinct agents in the file registry (own token each), one shared config project with one .gitlab/agents/<name>/config.yaml per agent; ${PER_CHILD} simulated agents per client process, each on its own channel (grpc.use_local_subchannel_pool 1) with agentk's channel options`,
      connect: `each client process opens ${CONNECT_BATCH} streams, waits for their first configuration, then the next ${CONNECT_BATCH} (at most ${CONNECT_TIMEOUT_MS / 1000} s); the "all at once" row opens ${HERD} streams together (what a kas restart makes every agent do) and measures only that`,
      idle: `RSS (VmRSS) and CPU (utime+stime from /proc/<pid>/stat) over a ${IDLE_WINDOW_MS / 1000} s window, ${IDLE_SETTLE_MS / 1000} s after every agent got its first configuration`,
      commit: `${COMMITS} commits (1 at 5000 agents), each changing every agent's config.yaml (logging level), in a bare repository; from the branch ref's write (its mtime) to the last agent receiving that commit's configuration (same machine clock); at most ${FANOUT_TIMEOUT_MS / 1000} s`,
      fileDescriptors: "ulimit -n is 20000 (soft and hard) here: enough for kas's 5000 sockets and 1250 per client process; not raised",
    },
    tables: [
      {
        columns: ["agents", "client processes", "connect all", "kas RSS idle", "kas CPU idle", "kas fds", "commit -> all agents (each run)", "commit -> half (p50)", "CPU s during a commit's fan-out (kas / client processes)", "kas peak RSS"],
        rows: results.map((r) => [
          r.herd ? `${r.agents}, all at once` : String(r.agents),
          String(r.children),
          `${ms(r.connectMs)}${r.connected < r.agents ? ` (${r.connected} of ${r.agents} served)` : ""}`,
          r.idle ? mib(r.idle.rssBytes) : "-",
          r.idle ? `${r.idle.cpuPercent.toFixed(1)}%` : "-",
          r.idle ? String(r.idle.fds) : "-",
          fanoutCell(r),
          r.fanout.length ? ms(percentile(r.fanout.map((f) => f.p50Ms), 50)) : "-",
          r.fanout.map((f) => `${f.kasCpuS.toFixed(2)} / ${f.clientsCpuS.toFixed(2)}`).join(", ") || "-",
          mib(r.peakRssBytes),
        ]),
      },
      {
        columns: [`what-if: reading ${whatIf.files} agents' config.yaml at one commit (second pack), in the benchmark process`, "wall", "CPU"],
        rows: whatIf.rows.map((r) => [r.what, ms(r.ms), ms(r.cpuMs)]),
      },
    ],
    aims,
    notes: [
      "CPU idle: percent of one core. connect all includes kas authenticating each agent and sending its first configuration.",
      "kas peak RSS: the larger of VmHWM and an RSS sample every 200 ms (VmHWM cannot be read once kas has died).",
      ...results.flatMap((r) => (r.crash ? [`${r.agents} agents: ${r.crash}`] : [])),
      ...results.flatMap((r) => (r.errors.length ? [`${r.agents} agents: stream errors seen: ${r.errors.join("; ")}`] : [])),
    ],
    raw: { results, whatIf },
  };
}
