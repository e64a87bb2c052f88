/** Locating the git directory of a local repository (bare, or with a worktree). */
import { promises as fsp } from "node:fs";
import * as path from "node:path";

/**
 * The git directory of the repository at `dir`: `dir/.git` (a folder, or a
 * `gitdir:` file), or `dir` itself when it is bare. Undefined when `dir` is
 * not a repository.
 */
export async function findGitdir(dir: string): Promise<string | undefined> {
  const dotGit = path.join(dir, ".git");
  const stat = await fsp.stat(dotGit).catch(() => undefined);
  if (stat?.isDirectory()) return dotGit;
  if (stat?.isFile()) {
    const text = await fsp.readFile(dotGit, "utf8");
    const m = /^gitdir:\s*(.+?)\s*$/m.exec(text);
    return m?.[1] !== undefined ? path.resolve(dir, m[1]) : undefined;
  }
  const [head, objects] = await Promise.all([
    fsp.stat(path.join(dir, "HEAD")).catch(() => undefined),
    fsp.stat(path.join(dir, "objects")).catch(() => undefined),
  ]);
  return head?.isFile() && objects?.isDirectory() ? dir : undefined;
}
