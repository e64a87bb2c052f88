/**
 * One kas replica as a real process (bin/kas --config kas.yaml), for the
 * multi-replica tests: fixed ports (so a restart comes back where agents and
 * tests expect it), stop with a signal, start again, and its log.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";

const root = path.resolve(__dirname, "../..");

export interface KasReplicaPorts {
  readonly grpc: number;
  readonly api: number;
  readonly webhook: number;
  readonly observability: number;
}

export interface KasReplica {
  readonly name: string;
  readonly ports: KasReplicaPorts;
  /** GET on the api listener: status and parsed JSON. */
  getJson(pathname: string): Promise<{ status: number; body: Record<string, unknown> }>;
  /** GET of the metrics text on the observability listener. */
  metrics(): Promise<string>;
  output(): string;
  start(): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface KasReplicaOptions {
  /** The agents API's bearer token (kas.yaml `api.token_file`), sent by getJson. */
  readonly apiToken?: string;
  /** More `listen:` keys (e.g. kubernetes_api). */
  readonly listen?: Readonly<Record<string, unknown>>;
}

/** Writes `<dir>/kas.yaml` (listeners on `ports` plus `config`) and starts kas on it once it answers readiness. */
export async function startKasReplica(name: string, dir: string, ports: KasReplicaPorts, config: Record<string, unknown>, options: KasReplicaOptions = {}): Promise<KasReplica> {
  const file = path.join(dir, "kas.yaml");
  writeFileSync(
    file,
    stringify({
      listen: { grpc: `127.0.0.1:${ports.grpc}`, api: `127.0.0.1:${ports.api}`, webhook: `127.0.0.1:${ports.webhook}`, observability: `127.0.0.1:${ports.observability}`, ...options.listen },
      ...config,
    }),
  );
  let proc: ChildProcess | undefined;
  let log = "";
  const replica: KasReplica = {
    name,
    ports,
    getJson: async (p) => {
      const res = await fetch(`http://127.0.0.1:${ports.api}${p}`, options.apiToken === undefined ? {} : { headers: { authorization: `Bearer ${options.apiToken}` } });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    },
    metrics: async () => (await fetch(`http://127.0.0.1:${ports.observability}/metrics`)).text(),
    output: () => log,
    start: async () => {
      if (proc) throw new Error(`${name} is running`);
      const p = spawn(path.join(root, "bin/kas"), ["--config", file], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
      proc = p;
      p.stdout?.on("data", (c: Buffer) => (log += c.toString()));
      p.stderr?.on("data", (c: Buffer) => (log += c.toString()));
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        if (p.exitCode !== null) throw new Error(`${name} exited ${p.exitCode}:\n${log.slice(-4000)}`);
        const ok = await fetch(`http://127.0.0.1:${ports.observability}/readiness`).then((r) => r.ok, () => false);
        if (ok) return;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`${name} not ready in 60 s:\n${log.slice(-4000)}`);
    },
    stop: async (signal = "SIGTERM") => {
      const p = proc;
      proc = undefined;
      if (!p || p.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => p.once("exit", () => resolve()));
      p.kill(signal);
      const timer = setTimeout(() => p.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
  await replica.start();
  return replica;
}
