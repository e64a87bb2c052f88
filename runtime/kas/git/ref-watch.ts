/**
 * File watching on a local repository's refs: calls `onChange` (debounced)
 * when a ref the watched GitRef depends on may have moved. A hint only: the
 * poller stays the source of truth, so a missed event costs one poll period.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { RefSpec } from "./refs";

/** Files directly in the gitdir whose change can move a ref. */
const GITDIR_FILES = new Set(["HEAD", "packed-refs"]);

export interface RefFileWatch {
  close(): void;
}

/** The folders to watch for `spec`, with a filter on the changed file's name. */
export function watchTargets(gitdir: string, spec: RefSpec): { dir: string; relevant: (name: string | null) => boolean }[] {
  if (spec.kind === "commit") return [];
  const any = (name: string | null): boolean => name === null || !name.endsWith(".lock");
  const refDir =
    spec.kind === "default"
      ? path.join(gitdir, "refs", "heads")
      : path.dirname(path.join(gitdir, "refs", spec.kind === "branch" ? "heads" : "tags", spec.name));
  return [
    { dir: gitdir, relevant: (name) => name === null || GITDIR_FILES.has(name) },
    { dir: refDir, relevant: any },
  ];
}

export function watchRefFiles(gitdir: string, spec: RefSpec, debounceMs: number, onChange: () => void): RefFileWatch {
  const watchers: fs.FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const fire = (): void => {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      if (!closed) onChange();
    }, debounceMs);
  };
  for (const { dir, relevant } of watchTargets(gitdir, spec)) {
    let watcher: fs.FSWatcher;
    try {
      watcher = fs.watch(dir, (_event, name) => {
        if (relevant(name === null ? null : String(name))) fire();
      });
    } catch {
      continue; // a folder that does not exist (yet): the poller covers it
    }
    watcher.on("error", () => watcher.close());
    watchers.push(watcher);
  }
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      for (const w of watchers) w.close();
    },
  };
}
