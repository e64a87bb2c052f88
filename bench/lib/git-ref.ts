/**
 * When a branch moved: the modification time of its loose ref file. git
 * writes the ref (lock file, then rename) before commitFiles returns, and
 * commitFiles then spends time on the worktree (`reset --hard`, seconds for
 * 5000 files) while kas may already be serving the commit; timing from
 * commitFiles returning would leave that out.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** Date.now()-scale milliseconds at which `refs/heads/<branch>` of the repository at `repo` was last written. */
export function refWrittenAt(repo: string, branch = "main"): number {
  const dotGit = path.join(repo, ".git");
  const gitdir = fs.existsSync(dotGit) ? dotGit : repo;
  const file = path.join(gitdir, "refs", "heads", branch);
  try {
    return fs.statSync(file).mtimeMs;
  } catch (err) {
    throw new Error(`cannot time the commit: ${file} is not a loose ref (${(err as Error).message}); the benchmark needs git to write refs as files`);
  }
}
