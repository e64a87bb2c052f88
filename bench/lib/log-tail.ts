/**
 * Follows a process's JSON log file from where the last read stopped: a big
 * agent logs a line per object per sync (tens of MiB), and re-reading the whole
 * file every poll would cost the benchmark more CPU than the agent it measures.
 */
import { closeSync, openSync, readSync, statSync } from "node:fs";

export class LogTail {
  private offset = 0;
  private rest = "";

  constructor(private readonly file: string) {}

  /** Complete lines written since the last call. */
  lines(): string[] {
    let size: number;
    try {
      size = statSync(this.file).size;
    } catch {
      return [];
    }
    if (size <= this.offset) return [];
    const buf = Buffer.alloc(size - this.offset);
    const fd = openSync(this.file, "r");
    try {
      readSync(fd, buf, 0, buf.length, this.offset);
    } finally {
      closeSync(fd);
    }
    this.offset = size;
    const text = this.rest + buf.toString("utf8");
    const cut = text.lastIndexOf("\n");
    this.rest = text.slice(cut + 1);
    return cut < 0 ? [] : text.slice(0, cut).split("\n");
  }
}

export interface SyncEnd {
  readonly msg: string;
  /** The agent's own timestamps: "Synchronizing objects" and the end of that sync. */
  readonly startedAt?: number;
  readonly endedAt: number;
}

/**
 * Watches a tail for the end of the sync of `commit` (agentk's "Synchronization
 * finished|failed" line carrying its commit_id) and the start line before it.
 */
export function syncWatcher(tail: LogTail): (commit: string) => SyncEnd | undefined {
  const started = new Map<string, number>();
  const ended = new Map<string, SyncEnd>();
  return (commit) => {
    for (const line of tail.lines()) {
      if (!line.includes('"commit_id"') || line.includes('"resourceStatus"')) continue;
      let e: { msg?: string; time?: string; commit_id?: string };
      try {
        e = JSON.parse(line) as typeof e;
      } catch {
        continue;
      }
      if (!e.commit_id || !e.time) continue;
      const at = Date.parse(e.time);
      if (e.msg === "Synchronizing objects") started.set(e.commit_id, at);
      else if (e.msg === "Synchronization finished" || e.msg === "Synchronization failed") {
        ended.set(e.commit_id, { msg: e.msg, startedAt: started.get(e.commit_id), endedAt: at });
      }
    }
    return ended.get(commit);
  };
}
