/**
 * latency: `git commit` (its branch ref written) -> the object changed in the
 * cluster, observed through a watch. kas (startTestKas, real listeners) and
 * agentk (startAgent, as the agent's least-privilege ServiceAccount) run in
 * this process against the real test cluster. Three ways kas notices a commit:
 *   push-watch:   a local repository; kas watches its ref files (fs.watch)
 *   push-webhook: a remote repository (git http-backend); the push webhook right after the commit
 *   poll:         the same remote, nothing but kas's poll (git.poll_period)
 *   big-repo:     push-watch on a project of BIG_REPO_FILES files, of which each commit changes one
 *                 (issue 19 item 4: what the 999 unchanged files cost kas and agentk on every push)
 */
import * as path from "node:path";
import { createLogger } from "../runtime/common";
import { kubeconfigAccess, startAgent, type RunningAgent } from "../runtime/agentk";
import { startTestCluster, type TestCluster } from "../test/cluster";
import { commitFiles, makeRepo, removeDir, startGitHttpServer, tempDir, type GitHttpServer } from "../test/git";
import { refWrittenAt } from "./lib/git-ref";
import { newToken, startTestKas, type TestKas } from "../test/kas";
import { grantAgent } from "../test/agentk/rbac";
import { watchObject } from "./lib/apiserver";
import { agentConfig, deployment, manifestFiles } from "./lib/manifests";
import { describeProfile, inProcessProfiler, type ProfileSummary } from "./lib/profile";
import type { BenchResult } from "./lib/report";
import { ms, percentile, sleep, spread } from "./lib/stats";

const AGENT_NS = "bench-agentk";
const COMMITS = 20;
const WARMUP = 2;
const POLL_PERIOD_S = 2;
/** Longest wait for one commit to show up in the cluster. */
const COMMIT_TIMEOUT_MS = 30_000;
const WEBHOOK_SECRET = "bench-webhook-secret";

type Path = "push-watch" | "push-webhook" | "poll" | "big-repo";
const PATHS: readonly Path[] = ["push-watch", "push-webhook", "poll", "big-repo"];
/** Files of the big-repo project: GitLab's limit on files an agent's manifest project may hold. */
const BIG_REPO_FILES = 1000;

interface Sample {
  readonly commit: number;
  /** commit -> observed in the cluster. */
  readonly totalMs: number;
  /** commit -> kas logs "Sent objects" (kas noticed, read and sent the commit). */
  readonly kasMs?: number;
  /** commit -> agentk logs "Synchronizing objects". */
  readonly agentStartMs?: number;
  /** CPU this process (kas and agentk both run in it) used from the commit to the observation. */
  readonly cpuMs: number;
}

interface PathResult {
  readonly path: Path;
  readonly how: string;
  readonly samples: readonly Sample[];
  readonly profile?: ProfileSummary;
}

const marker = (i: number): string =>
  ["apiVersion: v1", "kind: ConfigMap", "metadata:", "  name: latency-marker", "data:", `  marker: "${i}"`, ""].join("\n");

export async function runLatency(options: { profile: boolean; log: (line: string) => void }): Promise<BenchResult> {
  const { log } = options;
  const dir = await tempDir("bench-latency-");
  let cluster: TestCluster | undefined;
  let http: GitHttpServer | undefined;
  try {
    cluster = await startTestCluster();
    const namespaces: Record<Path, string> = { "push-watch": "lat-push-watch", "push-webhook": "lat-push-webhook", poll: "lat-poll", "big-repo": "lat-big-repo" };
    const kubeconfig = await grantAgent(cluster, AGENT_NS, "agentk", Object.values(namespaces));
    const configRepo = path.join(dir, "agent-config");
    await makeRepo(configRepo, {
      ".gitlab/agents/lat-push-watch/config.yaml": agentConfig("bench/lat-push-watch", namespaces["push-watch"]),
      ".gitlab/agents/lat-push-webhook/config.yaml": agentConfig("bench/lat-push-webhook", namespaces["push-webhook"]),
      ".gitlab/agents/lat-poll/config.yaml": agentConfig("bench/lat-poll", namespaces.poll),
      ".gitlab/agents/lat-big-repo/config.yaml": agentConfig("bench/lat-big-repo", namespaces["big-repo"]),
    });
    const initial = (ns: string) => ({ "manifests/marker.yaml": marker(0), "manifests/app.yaml": deployment(`app-${ns}`, 1) });
    const localRepo = path.join(dir, "lat-push-watch");
    await makeRepo(localRepo, initial(namespaces["push-watch"]));
    // The marker, the Deployment and 998 ConfigMaps, one object per file.
    const bigRepo = path.join(dir, "lat-big-repo");
    await makeRepo(bigRepo, { ...manifestFiles("configmaps", BIG_REPO_FILES - 2, 1, { dir: "manifests/many" }), ...initial(namespaces["big-repo"]) });
    const httpRoot = path.join(dir, "http");
    for (const p of ["push-webhook", "poll"] as const) await makeRepo(path.join(httpRoot, `lat-${p}.git`), initial(namespaces[p]), { bare: true });
    http = await startGitHttpServer({ root: httpRoot });

    const results: PathResult[] = [];
    const plans: { path: Path; repo: string; url: string; pollPeriod: string; how: string }[] = [
      { path: "push-watch", repo: localRepo, url: localRepo, pollPeriod: "600s", how: "local repository, kas file watch (poll 600 s)" },
      { path: "push-webhook", repo: path.join(httpRoot, "lat-push-webhook.git"), url: `${http.url}/lat-push-webhook.git`, pollPeriod: "600s", how: "remote (git http-backend), POST /api/v1/webhooks/push after the commit (poll 600 s)" },
      { path: "poll", repo: path.join(httpRoot, "lat-poll.git"), url: `${http.url}/lat-poll.git`, pollPeriod: `${POLL_PERIOD_S}s`, how: `remote (git http-backend), kas git.poll_period ${POLL_PERIOD_S} s, no webhook; commits spread evenly over the period` },
      { path: "big-repo", repo: bigRepo, url: bigRepo, pollPeriod: "600s", how: `as push-watch, on a project of ${BIG_REPO_FILES} files (one object each); each commit changes 1` },
    ];
    for (const plan of plans) {
      log(`latency: ${plan.path}: ${WARMUP} warm-up + ${COMMITS} commits`);
      const samples = await measurePath(cluster, kubeconfig, configRepo, namespaces[plan.path], plan, options);
      results.push({ path: plan.path, how: plan.how, samples: samples.samples, profile: samples.profile });
      const totals = samples.samples.map((s) => s.totalMs);
      log(`latency: ${plan.path}: p50 ${ms(percentile(totals, 50))}, p95 ${ms(percentile(totals, 95))}`);
    }
    return report(results);
  } finally {
    await http?.stop();
    await cluster?.stop();
    await removeDir(dir);
  }
}

async function measurePath(
  cluster: TestCluster,
  kubeconfig: string,
  configRepo: string,
  namespace: string,
  plan: { path: Path; repo: string; url: string; pollPeriod: string },
  options: { profile: boolean; log: (line: string) => void },
): Promise<{ samples: Sample[]; profile?: ProfileSummary }> {
  const token = newToken();
  const name = `lat-${plan.path}`;
  const kas: TestKas = await startTestKas({
    agents: [{ name, id: String(PATHS.indexOf(plan.path) + 1), configProject: "bench/agent-config", tokens: [token] }],
    projects: [
      { id: "bench/agent-config", url: configRepo },
      { id: name.replace(/^lat-/, "bench/lat-"), url: plan.url, agents: [name] },
    ],
    pollPeriod: plan.pollPeriod,
    webhookSecret: WEBHOOK_SECRET,
  });
  // When agentk starts a sync of a commit (its own log line), by commit id.
  const syncStarted = new Map<string, number>();
  const agentLog: string[] = [];
  const logger = createLogger(
    {
      level: "info",
      write: (line) => {
        if (line.includes('"msg":"Synchronizing objects"')) {
          const id = /"commit_id":"([0-9a-f]{40})"/.exec(line)?.[1];
          if (id && !syncStarted.has(id)) syncStarted.set(id, Date.now());
        }
        agentLog.push(line);
        if (agentLog.length > 200) agentLog.shift();
      },
    },
    { component: "agentk" },
  );
  const access = await kubeconfigAccess(kubeconfig);
  let agent: RunningAgent | undefined;
  let seen = "";
  let onChange: (() => void) | undefined;
  let seenAt = 0;
  const watch = watchObject(cluster.admin, `/api/v1/namespaces/${namespace}/configmaps`, "latency-marker", (obj, at) => {
    const value = (obj?.data as Record<string, string> | undefined)?.marker ?? "";
    if (value !== seen) {
      seen = value;
      seenAt = at;
      onChange?.();
    }
  });
  const waitFor = async (value: string, what: string): Promise<number> => {
    const deadline = Date.now() + COMMIT_TIMEOUT_MS;
    while (seen !== value) {
      if (Date.now() > deadline) throw new Error(`latency ${plan.path}: ${what} not observed within ${COMMIT_TIMEOUT_MS} ms; agent log tail:\n${agentLog.slice(-10).join("")}`);
      await new Promise<void>((resolve) => {
        onChange = resolve;
        setTimeout(resolve, 250);
      });
    }
    return seenAt;
  };
  const profiler = options.profile ? inProcessProfiler() : undefined;
  try {
    agent = await startAgent({
      kasAddress: `grpc://${kas.grpcAddress}`,
      token,
      cluster: access,
      namespace: AGENT_NS,
      podName: name,
      leaderElectionRetryMs: 300,
      logger,
    });
    await waitFor("0", "the initial sync");
    await untilSynced(kas, undefined, COMMIT_TIMEOUT_MS * 4);
    const samples: Sample[] = [];
    for (let i = 1; i <= WARMUP + COMMITS; i++) {
      // Poll: spread commit times over the period, or every commit would land just after a poll.
      const before = plan.path === "poll" ? spread(i) * POLL_PERIOD_S * 1000 : 300 + spread(i) * 200;
      await sleep(before);
      if (i === WARMUP + 1) await profiler?.start();
      const cpu0 = process.cpuUsage();
      const commit = await commitFiles(plan.repo, { "manifests/marker.yaml": marker(i) }, { message: `marker ${i}` });
      // From the moment the branch moved (commitFiles returns a little later, after the worktree reset).
      const d0 = refWrittenAt(plan.repo);
      const t0 = performance.now() - (Date.now() - d0);
      if (plan.path === "push-webhook") {
        const res = await fetch(`${kas.webhookUrl}/api/v1/webhooks/push`, {
          method: "POST",
          headers: { "x-gitlab-token": WEBHOOK_SECRET, "content-type": "application/json" },
          body: JSON.stringify({ object_kind: "push", ref: "refs/heads/main", after: commit, project: { path_with_namespace: "bench/lat-push-webhook" } }),
        });
        if (res.status !== 202) throw new Error(`webhook: HTTP ${res.status}: ${await res.text()}`);
      }
      const t1 = await waitFor(String(i), `commit ${i}`);
      // The sync goes on after the marker is in (step 7 waits for every object to be Current): its CPU counts too.
      await untilSynced(kas, commit, COMMIT_TIMEOUT_MS);
      const cpu = process.cpuUsage(cpu0);
      if (i <= WARMUP) continue;
      const sent = kas.logs.find((l) => l.includes('"msg":"Sent objects"') && l.includes(commit));
      const sentAt = sent ? Date.parse((JSON.parse(sent) as { time: string }).time) : undefined;
      const started = syncStarted.get(commit);
      samples.push({
        commit: i,
        totalMs: t1 - t0,
        kasMs: sentAt === undefined ? undefined : sentAt - d0,
        agentStartMs: started === undefined ? undefined : started - d0,
        cpuMs: (cpu.user + cpu.system) / 1000,
      });
    }
    const profile = await profiler?.stop(`latency ${plan.path}: kas + agentk in one process, ${COMMITS} commits`);
    if (profile) options.log(describeProfile(profile));
    return { samples, profile };
  } finally {
    watch.stop();
    await profiler?.close();
    await agent?.close();
    await kas.stop();
  }
}

/** Until the agent has reported a finished sync of `commit` (any commit: undefined) to kas. */
async function untilSynced(kas: TestKas, commit: string | undefined, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const reported = (): boolean =>
    kas.kas.tracker.list().some((a) => Object.values(a.projects).some((p) => p.lastReport !== undefined && (commit === undefined || p.lastReport.commit_id === commit)));
  while (!reported()) {
    if (Date.now() > deadline) throw new Error(`latency: no sync report${commit ? ` of ${commit}` : ""} within ${timeoutMs} ms`);
    await sleep(20);
  }
}

function report(results: readonly PathResult[]): BenchResult {
  const p = (xs: readonly (number | undefined)[], q: number) => percentile(xs.filter((x): x is number => x !== undefined), q);
  const rows = results.map((r) => {
    const totals = r.samples.map((s) => s.totalMs);
    return [
      r.path,
      r.how,
      String(r.samples.length),
      ms(percentile(totals, 50)),
      ms(percentile(totals, 95)),
      ms(Math.max(...totals)),
      ms(p(r.samples.map((s) => s.kasMs), 50)),
      ms(p(r.samples.map((s) => s.agentStartMs), 50)),
      ms(p(r.samples.map((s) => s.cpuMs), 50)),
    ];
  });
  const push = results.filter((r) => r.path !== "poll" && r.path !== "big-repo");
  const big = results.find((r) => r.path === "big-repo");
  const small = results.find((r) => r.path === "push-watch");
  const bigP50 = big ? percentile(big.samples.map((s) => s.totalMs), 50) : undefined;
  const cpuP50 = (r: PathResult | undefined) => (r ? percentile(r.samples.map((s) => s.cpuMs), 50) : undefined);
  return {
    name: "latency",
    title: "commit -> applied (ConfigMap data observed by a watch)",
    method: {
      commits: COMMITS,
      warmup: WARMUP,
      pollPeriodSeconds: POLL_PERIOD_S,
      cluster: "real kube-apiserver test cluster (test/cluster), agentk as its least-privilege ServiceAccount",
      kas: "startTestKas (in this process, real gRPC listener on loopback)",
      agentk: "startAgent in this process, leader election on, grpc://",
      observed: "a watch on the ConfigMap (admin), timestamp of the event carrying the commit's marker",
      repo: "manifests/marker.yaml (the ConfigMap) + manifests/app.yaml (a Deployment, unchanged)",
      bigRepo: `the same two files and ${BIG_REPO_FILES - 2} ConfigMaps under manifests/many/, one per file, unchanged by the commits`,
      cpu: "process.cpuUsage() of the benchmark process (kas and agentk both) from the commit until agentk's sync report reached kas",
    },
    tables: [
      {
        columns: ["path", "how kas notices", "commits", "p50", "p95", "max", "kas sent (p50)", "agentk sync start (p50)", "CPU kas+agentk per commit (p50)"],
        rows,
      },
    ],
    aims: [
      ...push.map((r) => {
        const p50 = percentile(r.samples.map((s) => s.totalMs), 50);
        return { what: `${r.path} p50`, target: "< 1 s", measured: ms(p50), met: p50 < 1000 };
      }),
      ...(bigP50 === undefined ? [] : [{ what: `one change in a ${BIG_REPO_FILES}-file project, push p50`, target: "< 200 ms", measured: ms(bigP50), met: bigP50 < 200 }]),
    ],
    notes: [
      "kas sent / agentk sync start: from the commit to kas's \"Sent objects\" and agentk's \"Synchronizing objects\" log lines (wall clock, ms).",
      `poll: each commit waits a different fraction of the ${POLL_PERIOD_S} s period (golden-ratio sequence), so p50 includes about half a period.`,
      ...(big && small ? [`big-repo: the ${BIG_REPO_FILES - 2} unchanged files cost kas+agentk ${ms((cpuP50(big) ?? 0) - (cpuP50(small) ?? 0))} of CPU per commit (p50 big-repo minus p50 push-watch)`] : []),
    ],
    raw: results,
  };
}
