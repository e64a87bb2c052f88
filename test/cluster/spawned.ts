/** A long-running command (kubectl logs -f, get -w, exec, port-forward) whose output and exit a test watches. */
import { spawn, type ChildProcess } from "node:child_process";

export interface Spawned {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Both streams, for a timeout's message. */
  output(): string;
  /** SIGKILLs it if it still runs and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function spawnCommand(binary: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Spawned {
  const child = spawn(binary, args, { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, ...env } });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString("utf8")));
  child.stderr.on("data", (d: Buffer) => (err += d.toString("utf8")));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  return {
    child,
    exited,
    stdout: () => out,
    stderr: () => err,
    output: () => `stdout: ${out.slice(-2000)}\nstderr: ${err.slice(-2000)}`,
    kill: async (signal = "SIGKILL") => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
