/**
 * agentk-idle (issue 19 item 7): the image's form (`node runtime/dist/cli.js
 * agentk`) idle after a small first sync, with candidate node flags, twice
 * each in turn: RSS split into file-backed pages (the node executable's code
 * and data, mapped from disk: clean, shared, reclaimable) and anonymous memory
 * (V8's heap, malloc), so a flag's effect is seen where it lands.
 */
import { closeSync, openSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { startTestCluster, type TestCluster } from "../test/cluster";
import { freePorts } from "../test/cluster/ports";
import { makeRepo, removeDir, tempDir } from "../test/git";
import { newToken, startTestKas, type TestKas } from "../test/kas";
import { grantAgent } from "../test/agentk/rbac";
import { agentConfig, configMap, deployment } from "./lib/manifests";
import { spawnTracked, stopChild } from "./lib/proc";
import type { BenchResult } from "./lib/report";
import { mean, mib, sleep } from "./lib/stats";

const ROOT = path.resolve(__dirname, "..");
const VARIANTS: readonly (readonly string[])[] = [[], ["--max-semi-space-size=1"], ["--optimize-for-size"], ["--no-opt"], ["--lite-mode"]];
const REPS = 2;
const IDLE_MS = 10_000;

interface Sample {
  readonly flags: string;
  readonly rss: number;
  readonly rssFile: number;
  readonly rssAnon: number;
  readonly heapUsed: number;
  readonly heapTotal: number;
}

export async function runAgentkIdle(options: { log: (line: string) => void }): Promise<BenchResult> {
  const dir = await tempDir("bench-agentk-idle-");
  let cluster: TestCluster | undefined;
  let kas: TestKas | undefined;
  try {
    options.log("agentk-idle: npm run build:dist");
    const { execFileSync } = await import("node:child_process");
    execFileSync("npm", ["run", "--silent", "build:dist"], { cwd: ROOT, stdio: "ignore" });
    cluster = await startTestCluster();
    const kubeconfig = await grantAgent(cluster, "bench-agentk", "agentk", ["idle"]);
    await makeRepo(path.join(dir, "cfg"), { ".gitlab/agents/a/config.yaml": agentConfig("bench/m", "idle") });
    await makeRepo(path.join(dir, "m"), { "manifests/app.yaml": deployment("app", 1), ...Object.fromEntries([0, 1, 2, 3].map((i) => [`manifests/s-${i}.yaml`, configMap(`s-${i}`, 1)])) });
    const token = newToken();
    kas = await startTestKas({ agents: [{ name: "a", id: "1", configProject: "bench/cfg", tokens: [token] }], projects: [{ id: "bench/cfg", url: path.join(dir, "cfg") }, { id: "bench/m", url: path.join(dir, "m"), agents: ["a"] }] });
    const samples: Sample[] = [];
    for (let r = 0; r < REPS; r++) {
      for (const [i, flags] of VARIANTS.entries()) {
        const [obs] = (await freePorts(1)) as [number];
        const log = path.join(dir, `agentk-${r}-${i}.log`);
        const fd = openSync(log, "a");
        const env: NodeJS.ProcessEnv = { ...process.env, AGENTK_TOKEN: token, NODE_ENV: "production" };
        delete env.NODE_OPTIONS;
        const args = ["--kas-address", `grpc://${kas.grpcAddress}`, "--kubeconfig", kubeconfig, "--namespace", "bench-agentk", "--pod-name", "idle", "--observability-listen-address", `127.0.0.1:${obs}`];
        const child = spawnTracked(process.execPath, [...flags, path.join(ROOT, "runtime/dist/cli.js"), "agentk", ...args], { stdio: ["ignore", fd, fd], env, cwd: ROOT });
        closeSync(fd);
        try {
          const deadline = Date.now() + 180_000;
          while (!readFileSync(log, "utf8").includes('"msg":"Synchronization finished"')) {
            if (Date.now() > deadline || child.exitCode !== null) throw new Error(`agentk ${flags.join(" ")}: no end of its first sync; log ${log}`);
            await sleep(100);
          }
          await sleep(IDLE_MS);
          const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
          const kib = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN) * 1024;
          const text = await (await fetch(`http://127.0.0.1:${obs}/metrics`)).text();
          const metric = (name: string): number => Number(new RegExp(`^${name} (\\S+)`, "m").exec(text)?.[1] ?? NaN);
          const s = { flags: flags.join(" ") || "(none: the image's form)", rss: kib("VmRSS"), rssFile: kib("RssFile"), rssAnon: kib("RssAnon"), heapUsed: metric("nodejs_heap_size_used_bytes"), heapTotal: metric("nodejs_heap_size_total_bytes") };
          samples.push(s);
          options.log(`agentk-idle: ${s.flags}: RSS ${mib(s.rss)} (file ${mib(s.rssFile)}, anon ${mib(s.rssAnon)})`);
        } finally {
          await stopChild(child);
        }
      }
    }
    return report(samples);
  } finally {
    await kas?.stop();
    await cluster?.stop();
    await removeDir(dir);
  }
}

function report(samples: readonly Sample[]): BenchResult {
  const byFlags = [...new Set(samples.map((s) => s.flags))].map((flags) => samples.filter((s) => s.flags === flags));
  const avg = (ss: readonly Sample[], k: keyof Omit<Sample, "flags">): string => mib(mean(ss.map((s) => s[k])));
  const none = byFlags[0] ?? [];
  const idle = mean(none.map((s) => s.rss));
  return {
    name: "agentk-idle",
    title: "agentk idle RSS in the image's form, by node flag, split into file-backed and anonymous memory",
    method: {
      agentk: "node [flags] runtime/dist/cli.js agentk, NODE_ENV=production, as its least-privilege ServiceAccount; kas in the benchmark process",
      idle: `/proc/<pid>/status ${IDLE_MS / 1000} s after its first sync (1 Deployment, 4 ConfigMaps) finished; heap from its /metrics`,
      runs: `${REPS} rounds, each variant once per round in turn; means shown, every sample under raw`,
    },
    tables: [
      {
        columns: ["node flags", "RSS", "file-backed (RssFile)", "anonymous (RssAnon)", "V8 heap used", "V8 heap total"],
        rows: byFlags.map((ss) => [ss[0]!.flags, avg(ss, "rss"), avg(ss, "rssFile"), avg(ss, "rssAnon"), avg(ss, "heapUsed"), avg(ss, "heapTotal")]),
      },
    ],
    aims: [{ what: "idle RSS, the image's form", target: "< 60 MiB", measured: mib(idle), met: idle < 60 * 2 ** 20 }],
    notes: ["Sync speed with these flags: bench/results/big-agent-*.json (BENCH_AGENTK_NODE_FLAGS)."],
    raw: { samples },
  };
}
