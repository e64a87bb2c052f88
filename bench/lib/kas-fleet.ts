/**
 * A fleet for the kas-replicas benchmark: one real redis-server, `replicas`
 * kas processes (bin/kas, each its own kas.yaml: same registry, projects,
 * webhook secret and Redis; private API on), a remote configuration project
 * (smart HTTP, polled every 10 min, so a commit arrives by a push webhook and
 * the replicas' refresh channel), and simulated agents (bench/kas-scale-client.ts:
 * a real gRPC client per agent holding GetConfiguration), one client process
 * per replica, agent i on replica i mod replicas.
 */
import type { ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { hashToken } from "../../runtime/kas/registry";
import { freePorts } from "../../test/cluster/ports";
import { commitFiles, makeRepo, removeDir, startGitHttpServer, tempDir, type GitHttpServer } from "../../test/git";
import { newToken } from "../../test/kas";
import { startKasReplica, type KasReplica } from "../../test/kas/kas-replica";
import { startTestRedis, type TestRedis } from "../../test/redis";
import { agentConfig } from "./manifests";
import { spawnTracked, stopChild } from "./proc";
import { sleep } from "./stats";

const ROOT = path.resolve(__dirname, "../..");
const PROJECT = "bench/fleet-config";
const HOOK_SECRET = "bench-hook-secret";
export const FLEET_KEY_PREFIX = "bench-kas";

type ChildMsg = { type: "connected"; agents: number; errors: string[] } | { type: "arrived"; commit: string; times: number[]; missing: number; errors: string[] };

export interface Fleet {
  readonly redis: TestRedis;
  readonly replicas: readonly KasReplica[];
  /** Agents connected so far. */
  readonly connected: number;
  /** Connects agents until `total` are connected (spread evenly); resolves with the count that got a configuration. */
  connectUpTo(total: number): Promise<{ connected: number; errors: string[] }>;
  /** A commit changing every agent's config.yaml (a new default namespace each time: kas sends only a changed configuration), announced by a webhook to replica 0; each connected agent's arrival (ms after the webhook was sent). */
  commitAndWait(timeoutMs: number): Promise<{ times: number[]; missing: number; errors: string[] }>;
  close(): Promise<void>;
}

export async function startFleet(replicaCount: number, maxAgents: number, log: (l: string) => void): Promise<Fleet> {
  const dir = await tempDir("bench-kas-replicas-");
  const closers: (() => Promise<void>)[] = [async () => removeDir(dir)];
  const close = async (): Promise<void> => {
    for (const c of closers.reverse()) await c().catch((err: unknown) => log(`kas-replicas: cleanup: ${String(err)}`));
  };
  try {
    const tokens = Array.from({ length: maxAgents }, () => newToken());
    const name = (i: number) => `agent-${i}`;
    const configs = (round: number) => Object.fromEntries(tokens.map((_, i) => [`.gitlab/agents/${name(i)}/config.yaml`, agentConfig("bench/fleet-manifests", `fleet-${i}-${round}`)]));
    let round = 0;
    const redis = await startTestRedis();
    closers.push(() => redis.close());
    const repo = path.join(dir, "git", `${PROJECT}.git`);
    await makeRepo(repo, configs(round), { bare: true });
    const git: GitHttpServer = await startGitHttpServer({ root: path.join(dir, "git") });
    closers.push(() => git.stop());
    writeFileSync(path.join(dir, "agents.yaml"), stringify({ agents: tokens.map((t, i) => ({ id: String(i + 1), name: name(i), config_project: PROJECT, tokens: [{ sha256: hashToken(t) }] })) }));
    writeFileSync(path.join(dir, "hook-secret"), HOOK_SECRET);
    writeFileSync(path.join(dir, "private-secret"), "bench-private-api-secret");
    const ports = (await freePorts(5 * replicaCount)) as number[];
    const replicas: KasReplica[] = [];
    closers.push(async () => {
      for (const r of replicas) await r.stop();
    });
    for (let r = 0; r < replicaCount; r++) {
      const rdir = path.join(dir, `kas-${r}`);
      mkdirSync(rdir);
      const [grpcPort, api, hook, obs, priv] = ports.slice(r * 5, r * 5 + 5) as [number, number, number, number, number];
      replicas.push(
        await startKasReplica(`kas-${r}`, rdir, { grpc: grpcPort, api, webhook: hook, observability: obs }, {
          agents: { registry: "file", file: "../agents.yaml" },
          git: { cache_dir: "cache", poll_period: "10m" },
          projects: [{ id: PROJECT, url: `${git.url}/${PROJECT}.git` }],
          webhook: { secret_file: "../hook-secret" },
          redis: { server: { address: `127.0.0.1:${redis.port}` }, key_prefix: FLEET_KEY_PREFIX },
          private_api: { listen: { address: `127.0.0.1:${priv}`, authentication_secret_file: "../private-secret" }, own_url: `grpc://127.0.0.1:${priv}` },
          log_level: "warn",
        }),
      );
    }
    const children: ChildProcess[] = [];
    const inbox: ChildMsg[][] = [];
    closers.push(async () => {
      for (const c of children) if (c.connected) c.send({ type: "close" });
      for (const c of children) await stopChild(c, 3000);
    });
    for (let r = 0; r < replicaCount; r++) {
      const child = spawnTracked(process.execPath, ["-r", require.resolve("ts-node/register/transpile-only"), path.join(ROOT, "bench/kas-scale-client.ts")], { stdio: ["ignore", "inherit", "inherit", "ipc"], cwd: ROOT });
      const box: ChildMsg[] = [];
      child.on("message", (m: ChildMsg) => void box.push(m));
      children.push(child);
      inbox.push(box);
    }
    const take = async <T extends ChildMsg["type"]>(type: T, timeoutMs: number): Promise<Extract<ChildMsg, { type: T }>[]> => {
      const deadline = Date.now() + timeoutMs;
      while (!inbox.every((b) => b.some((m) => m.type === type))) {
        if (children.some((c) => c.exitCode !== null || c.signalCode !== null)) throw new Error("kas-replicas: a client process exited");
        if (Date.now() > deadline) throw new Error(`kas-replicas: no "${type}" from every client process within ${timeoutMs} ms`);
        await sleep(20);
      }
      return inbox.map((b) => b.splice(b.findIndex((m) => m.type === type), 1)[0] as Extract<ChildMsg, { type: T }>);
    };
    let connected = 0;
    return {
      redis,
      replicas,
      get connected() {
        return connected;
      },
      connectUpTo: async (total) => {
        if (total > maxAgents) throw new Error(`kas-replicas: ${total} agents asked, the registry has ${maxAgents}`);
        const mine = (r: number) => tokens.slice(connected, total).filter((_, j) => (connected + j) % replicaCount === r);
        children.forEach((c, r) => c.send({ type: "connect", target: `127.0.0.1:${(replicas[r] as KasReplica).ports.grpc}`, tokens: mine(r), batch: 100 }));
        const msgs = await take("connected", 240_000);
        connected = total;
        return { connected: msgs.reduce((s, m) => s + m.agents, 0), errors: msgs.flatMap((m) => m.errors) };
      },
      commitAndWait: async (timeoutMs) => {
        round++;
        const commit = await commitFiles(repo, configs(round), { message: `fleet config ${round}` });
        const t0 = Date.now();
        const res = await fetch(`http://127.0.0.1:${(replicas[0] as KasReplica).ports.webhook}/api/v1/webhooks/push`, {
          method: "POST",
          headers: { "x-gitlab-token": HOOK_SECRET, "content-type": "application/json" },
          body: JSON.stringify({ project: { path_with_namespace: PROJECT } }),
        });
        if (res.status !== 202) throw new Error(`kas-replicas: the push webhook answered ${res.status}`);
        children.forEach((c) => c.send({ type: "expect", commit, timeoutMs }));
        const msgs = await take("arrived", timeoutMs + 30_000);
        return { times: msgs.flatMap((m) => m.times).map((t) => t - t0), missing: msgs.reduce((s, m) => s + m.missing, 0), errors: msgs.flatMap((m) => m.errors) };
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Redis's count of commands by name (INFO commandstats) and in all (INFO stats). */
export function redisCommandCounts(redis: TestRedis): { total: number; byCommand: Record<string, number> } {
  const byCommand: Record<string, number> = {};
  for (const m of redis.cli(["INFO", "commandstats"]).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) byCommand[m[1] as string] = Number(m[2]);
  const total = Number(/^total_commands_processed:(\d+)/m.exec(redis.cli(["INFO", "stats"]))?.[1] ?? NaN);
  return { total, byCommand };
}
