/**
 * agentk as a real process (bin/agentk) for the test/kubeapi scenario, so a
 * test can SIGKILL it mid-request and start it again. Its tunnel pool's open
 * requests come from its /metrics.
 */
import * as path from "node:path";
import { freePorts, spawnCommand, type Spawned } from "../cluster";
import { parseExposition, samples } from "../metrics";
import { until } from "../until";

const root = path.resolve(__dirname, "../..");

export interface AgentkProcessOptions {
  readonly kasGrpcAddress: string;
  readonly token: string;
  readonly kubeconfig: string;
  readonly namespace: string;
  /** agentk --allow-impersonation; default false. */
  readonly allowImpersonation?: boolean;
}

export interface AgentkProcess {
  /** Starts bin/agentk (again, after a kill); resolves once its /metrics answers. */
  start(): Promise<void>;
  /** Signals the running process and waits for it to exit. */
  kill(signal: NodeJS.Signals): Promise<void>;
  /** agentk_tunnel_requests_open of the running process. */
  openRequests(): Promise<number>;
  /** Everything every run has written. */
  output(): string;
  close(): Promise<void>;
}

export function agentkProcess(opts: AgentkProcessOptions): AgentkProcess {
  let current: Spawned | undefined;
  let metricsUrl = "";
  let earlier = "";
  const output = (): string => earlier + (current ? current.stdout() + current.stderr() : "");
  const kill = async (signal: NodeJS.Signals): Promise<void> => {
    if (!current) return;
    const p = current;
    await p.kill(signal);
    earlier += p.stdout() + p.stderr();
    current = undefined;
  };
  return {
    output,
    kill,
    close: () => kill("SIGTERM"),
    start: async () => {
      if (current) throw new Error("agentk is already running");
      const [port] = (await freePorts(1)) as [number];
      metricsUrl = `http://127.0.0.1:${port}/metrics`;
      const args = ["--kas-address", `grpc://${opts.kasGrpcAddress}`, "--kubeconfig", opts.kubeconfig, "--namespace", opts.namespace, "--leader-election", "false", "--observability-listen-address", `127.0.0.1:${port}`, ...(opts.allowImpersonation ? ["--allow-impersonation"] : [])];
      current = spawnCommand(path.join(root, "bin/agentk"), args, { AGENTK_TOKEN: opts.token });
      await until("agentk's /metrics", async () => ((await fetch(metricsUrl)).ok ? true : undefined), 30_000, output);
    },
    openRequests: async () => {
      const text = await (await fetch(metricsUrl)).text();
      const [s] = samples(parseExposition(text), "agentk_tunnel_requests_open");
      if (!s) throw new Error(`agentk_tunnel_requests_open missing from ${metricsUrl}`);
      return s.value;
    },
  };
}
