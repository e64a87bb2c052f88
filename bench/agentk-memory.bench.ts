/**
 * agentk-memory: agentk as a process on the real test cluster (as its
 * least-privilege ServiceAccount), in both forms: bin/agentk (ts-node,
 * transpile-only: what the repository runs) and the compiled dist
 * (`npm run build:dist`, `node runtime/dist/cli.js agentk`: what the image
 * runs). RSS idle after the first sync of a small repository, then the peak
 * (VmHWM, reset just before) while it syncs a commit of 1000 objects, and RSS
 * once that sync is over. Baselines (node alone, node + one library) say where
 * the idle memory goes.
 */
import { execFile, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { startTestCluster, type TestCluster } from "../test/cluster";
import { freePorts } from "../test/cluster/ports";
import { commitFiles, makeRepo, removeDir, tempDir } from "../test/git";
import { newToken, startTestKas, type TestKas } from "../test/kas";
import { grantAgent } from "../test/agentk/rbac";
import { agentConfig, configMap, deployment, manifestFiles } from "./lib/manifests";
import { memoryOf, resetPeak, sampleRss, spawnTracked, stopChild } from "./lib/proc";
import type { Aim, BenchResult } from "./lib/report";
import { mib, ms, sleep } from "./lib/stats";

const ROOT = path.resolve(__dirname, "..");
const AGENT_NS = "bench-agentk";
const FORMS = ["ts-node", "dist"] as const;
type Form = (typeof FORMS)[number];
const BIG = 1000;
const SETTLE_MS = 5000;
/** Longest wait for a sync to finish (the 1000-object sync includes waiting for Deployments to be Current). */
const SYNC_TIMEOUT_MS = 240_000;
const run = promisify(execFile);

interface FormResult {
  readonly form: Form;
  readonly command: string;
  readonly startupPeakBytes: number;
  readonly idleRssBytes: number;
  readonly idleHeapUsedBytes: number;
  readonly firstSyncMs: number;
  readonly bigSyncMs: number;
  readonly bigPeakBytes: number;
  readonly bigSampledMaxBytes: number;
  readonly afterBigRssBytes: number;
  readonly afterBigHeapUsedBytes: number;
  readonly bigSyncResult: string;
}

interface Baseline {
  readonly what: string;
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
}

export async function runAgentkMemory(options: { profile: boolean; log: (line: string) => void }): Promise<BenchResult> {
  const { log } = options;
  const dir = await tempDir("bench-agentk-mem-");
  let cluster: TestCluster | undefined;
  let kas: TestKas | undefined;
  try {
    log("agentk-memory: npm run build:dist");
    const b0 = Date.now();
    await run("npm", ["run", "--silent", "build:dist"], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
    const buildMs = Date.now() - b0;
    cluster = await startTestCluster();
    const namespaces: Record<Form, string> = { "ts-node": "mem-ts-node", dist: "mem-dist" };
    const kubeconfig = await grantAgent(cluster, AGENT_NS, "agentk", Object.values(namespaces));
    const configRepo = path.join(dir, "agent-config");
    await makeRepo(configRepo, Object.fromEntries(FORMS.map((f) => [`.gitlab/agents/mem-${f}/config.yaml`, agentConfig(`bench/mem-${f}`, namespaces[f])])));
    const tokens: Record<Form, string> = { "ts-node": newToken(), dist: newToken() };
    const repos: Record<Form, string> = { "ts-node": path.join(dir, "mem-ts-node"), dist: path.join(dir, "mem-dist") };
    const small = (ns: string): Record<string, string> => ({
      "manifests/app.yaml": deployment(`app-${ns}`, 1),
      ...Object.fromEntries([0, 1, 2, 3].map((i) => [`manifests/settings-${i}.yaml`, configMap(`settings-${i}`, 1)])),
    });
    for (const f of FORMS) await makeRepo(repos[f], small(namespaces[f]));
    kas = await startTestKas({
      agents: FORMS.map((f, i) => ({ name: `mem-${f}`, id: String(i + 1), configProject: "bench/agent-config", tokens: [tokens[f]] })),
      projects: [{ id: "bench/agent-config", url: configRepo }, ...FORMS.map((f) => ({ id: `bench/mem-${f}`, url: repos[f], agents: [`mem-${f}`] }))],
    });
    const results: FormResult[] = [];
    for (const form of FORMS) {
      const r = await measureForm(form, { kas, kubeconfig, token: tokens[form], repo: repos[form], dir, log });
      results.push(r);
      log(`agentk-memory: ${form}: idle ${mib(r.idleRssBytes)}, peak during ${BIG}-object sync ${mib(r.bigPeakBytes)}, after ${mib(r.afterBigRssBytes)}`);
    }
    const baselines = await measureBaselines();
    return report(results, baselines, buildMs);
  } finally {
    await kas?.stop();
    await cluster?.stop();
    await removeDir(dir);
  }
}

async function measureForm(
  form: Form,
  ctx: { kas: TestKas; kubeconfig: string; token: string; repo: string; dir: string; log: (line: string) => void },
): Promise<FormResult> {
  const [obsPort] = (await freePorts(1)) as [number];
  const args = [
    "--kas-address", `grpc://${ctx.kas.grpcAddress}`,
    "--kubeconfig", ctx.kubeconfig,
    "--namespace", AGENT_NS,
    "--pod-name", `mem-${form}`,
    "--observability-listen-address", `127.0.0.1:${obsPort}`,
  ];
  const [cmd, cmdArgs] = form === "ts-node" ? [path.join(ROOT, "bin/agentk"), args] : [process.execPath, [path.join(ROOT, "runtime/dist/cli.js"), "agentk", ...args]];
  const logFile = path.join(ctx.dir, `agentk-${form}.log`);
  const fd = openSync(logFile, "a");
  const env: NodeJS.ProcessEnv = { ...process.env, AGENTK_TOKEN: ctx.token, NODE_ENV: form === "dist" ? "production" : process.env.NODE_ENV };
  delete env.NODE_OPTIONS;
  const child: ChildProcess = spawnTracked(cmd, cmdArgs, { stdio: ["ignore", fd, fd], env, cwd: ROOT });
  closeSync(fd);
  const pid = child.pid as number;
  const logText = () => readFileSync(logFile, "utf8");
  /** Resolves once the agent logged the end of a sync of `commit`. */
  const synced = async (commit: string): Promise<string> => {
    const deadline = Date.now() + SYNC_TIMEOUT_MS;
    const re = new RegExp(`"msg":"(Synchronization finished|Synchronization failed)"[^\\n]*"commit_id":"${commit}"|"commit_id":"${commit}"[^\\n]*"msg":"(Synchronization finished|Synchronization failed)"`);
    for (;;) {
      const m = re.exec(logText());
      if (m) return (m[1] ?? m[2]) as string;
      if (child.exitCode !== null) throw new Error(`agentk (${form}) exited ${child.exitCode}:\n${logText().slice(-3000)}`);
      if (Date.now() > deadline) throw new Error(`agentk (${form}): no end of sync of ${commit} within ${SYNC_TIMEOUT_MS} ms:\n${logText().slice(-3000)}`);
      await sleep(100);
    }
  };
  const heapUsed = async (): Promise<number> => {
    const text = await (await fetch(`http://127.0.0.1:${obsPort}/metrics`)).text();
    return Number(/^nodejs_heap_used_bytes(?:\{[^}]*\})? (\S+)/m.exec(text)?.[1] ?? NaN);
  };
  try {
    const t0 = Date.now();
    const head = (await run("git", ["rev-parse", "HEAD"], { cwd: ctx.repo })).stdout.trim();
    await synced(head);
    const firstSyncMs = Date.now() - t0;
    await sleep(SETTLE_MS);
    const startupPeakBytes = memoryOf(pid).hwm;
    const idleSampler = sampleRss(pid, 100);
    await sleep(SETTLE_MS);
    idleSampler.stop();
    const idleRssBytes = memoryOf(pid).rss;
    const idleHeapUsedBytes = await heapUsed();

    resetPeak(pid);
    const sampler = sampleRss(pid, 50);
    const commit = await commitFiles(ctx.repo, manifestFiles("mixed", BIG, 1, { perFile: 10 }), { message: `${BIG} objects` });
    const c0 = Date.now();
    const bigSyncResult = await synced(commit);
    const bigSyncMs = Date.now() - c0;
    const bigSampledMaxBytes = sampler.stop();
    const bigPeakBytes = memoryOf(pid).hwm;
    await sleep(SETTLE_MS);
    const afterBigRssBytes = memoryOf(pid).rss;
    const afterBigHeapUsedBytes = await heapUsed();
    return {
      form,
      command: form === "ts-node" ? "bin/agentk ..." : "node runtime/dist/cli.js agentk ...",
      startupPeakBytes,
      idleRssBytes,
      idleHeapUsedBytes,
      firstSyncMs,
      bigSyncMs,
      bigPeakBytes,
      bigSampledMaxBytes,
      afterBigRssBytes,
      afterBigHeapUsedBytes,
      bigSyncResult,
    };
  } finally {
    await stopChild(child);
  }
}

/** RSS and V8 heap of node itself and of node with each large dependency loaded, 2 s after start. */
async function measureBaselines(): Promise<Baseline[]> {
  const cases: [string, string[]][] = [
    ["node (nothing loaded)", []],
    ["node + yaml", ["yaml"]],
    ["node + @grpc/grpc-js + @grpc/proto-loader", ["@grpc/grpc-js", "@grpc/proto-loader"]],
    ["node + @kubernetes/client-node", ["@kubernetes/client-node"]],
    ["node + @kubernetes/client-node/dist/config.js (KubeConfig alone)", ["@kubernetes/client-node/dist/config.js"]],
    ["node + ts-node/register/transpile-only", ["ts-node/register/transpile-only"]],
    ["node + runtime/dist/agentk (every agentk module, not started)", [path.join(ROOT, "runtime/dist/agentk/index.js")]],
  ];
  const out: Baseline[] = [];
  for (const [what, modules] of cases) {
    const script = `${modules.map((m) => `require(${JSON.stringify(m)});`).join("")}setTimeout(() => { global.gc?.(); process.stdout.write(JSON.stringify(process.memoryUsage())); }, 2000);`;
    const { stdout } = await run(process.execPath, ["--expose-gc", "-e", script], { cwd: ROOT, timeout: 30_000 });
    const usage = JSON.parse(stdout) as { rss: number; heapUsed: number };
    out.push({ what, rssBytes: usage.rss, heapUsedBytes: usage.heapUsed });
  }
  return out;
}

function report(results: readonly FormResult[], baselines: readonly Baseline[], buildMs: number): BenchResult {
  const aims: Aim[] = results.map((r) => ({
    what: `idle RSS (${r.form}${r.form === "dist" ? ", what the image runs" : ""})`,
    target: "< 100 MB",
    measured: `${(r.idleRssBytes / 1e6).toFixed(0)} MB`,
    met: r.idleRssBytes < 100e6,
  }));
  return {
    name: "agentk-memory",
    title: "agentk process memory: idle, and peak during a 1000-object sync",
    method: {
      forms: { "ts-node": "bin/agentk (node -r ts-node/register/transpile-only runtime/agentk/main.ts)", dist: "node runtime/dist/cli.js agentk (npm run build:dist; the Dockerfile's ENTRYPOINT)" },
      cluster: "real test cluster, agentk as its least-privilege ServiceAccount, kas in the benchmark process (startTestKas)",
      small: "first sync: 1 Deployment + 4 ConfigMaps",
      idle: `VmRSS ${SETTLE_MS / 1000} s after the first sync finished (plus a ${SETTLE_MS / 1000} s sampled window), V8 heap used from agentk's /metrics`,
      big: `${BIG} more objects (ConfigMaps, Deployments with 1 replica, headless Services in turn; 10 to a file) in one commit; VmHWM reset (clear_refs 5) just before the commit, read when agentk logs the end of that sync (which includes waiting for every object to be Current)`,
      buildDistSeconds: Math.round(buildMs / 1000),
    },
    tables: [
      {
        columns: ["form", "idle RSS", "idle V8 heap used", "startup peak (VmHWM)", `peak during ${BIG}-object sync (VmHWM)`, `RSS after that sync`, `heap after`, `${BIG}-object sync took`],
        rows: results.map((r) => [
          r.form,
          mib(r.idleRssBytes),
          mib(r.idleHeapUsedBytes),
          mib(r.startupPeakBytes),
          mib(r.bigPeakBytes),
          mib(r.afterBigRssBytes),
          mib(r.afterBigHeapUsedBytes),
          `${ms(r.bigSyncMs)} (${r.bigSyncResult})`,
        ]),
      },
      { columns: ["baseline process (2 s after start, after a GC)", "RSS", "V8 heap used"], rows: baselines.map((b) => [b.what, mib(b.rssBytes), mib(b.heapUsedBytes)]) },
    ],
    aims,
    notes: ["The image runs the dist form (Dockerfile: ENTRYPOINT node /app/dist/cli.js); bin/agentk is what the repository's scripts and tests run.", "100 MB = 95.4 MiB."],
    raw: { results, baselines },
  };
}
