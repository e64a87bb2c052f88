import { spawn, type ChildProcess } from "node:child_process";
import { openSync, closeSync, readFileSync } from "node:fs";
import * as path from "node:path";

/** A child process of the cluster, its log file, and how it ended (if it did). */
export interface ClusterProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  readonly child: ChildProcess;
}

const live = new Set<ClusterProcess>();
let exitHookInstalled = false;

/**
 * If the test runner dies (a thrown error, Ctrl-C) before `stop()`, the
 * processes we started must not outlive it. process.kill is synchronous, so
 * it works inside an 'exit' handler.
 */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const p of live) {
      try {
        process.kill(p.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  });
}

export function startProcess(name: string, binary: string, args: string[], logDir: string): ClusterProcess {
  installExitHook();
  const logFile = path.join(logDir, `${name}.log`);
  const fd = openSync(logFile, "a");
  const child = spawn(binary, args, { stdio: ["ignore", fd, fd] });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not start ${name}: ${binary}`);
  const proc: ClusterProcess = { name, pid: child.pid, logFile, exited: undefined, child };
  live.add(proc);
  child.on("exit", (code, signal) => {
    proc.exited = { code, signal };
    live.delete(proc);
  });
  return proc;
}

/** The last `lines` lines of a process's log, for error messages. */
export function logTail(proc: ClusterProcess, lines = 30): string {
  try {
    return readFileSync(proc.logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
export async function stopProcess(proc: ClusterProcess, graceMs = 5000): Promise<void> {
  if (proc.exited) return;
  const exited = new Promise<void>((resolve) => {
    if (proc.exited) resolve();
    else proc.child.once("exit", () => resolve());
  });
  try {
    process.kill(proc.pid, "SIGTERM");
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(proc.pid, "SIGKILL");
    } catch {
      // exited in between
    }
  }, graceMs);
  await exited;
  clearTimeout(timer);
}
