/**
 * Is one commit in another's history? Breadth first from the descendant, at
 * most `maxCommits` commits read: kas answers `gitops-agent wait` with it on
 * every poll, so a long or hostile history must cost a bounded walk (false
 * past it: the newer commit is then not taken to contain the older one).
 */

/** Commits walked per question; CI waits on a commit pushed moments before the one the agent applies. */
export const ANCESTRY_MAX_COMMITS = 1000;

export async function isReachable(parents: (commit: string) => Promise<readonly string[]>, ancestor: string, descendant: string, maxCommits = ANCESTRY_MAX_COMMITS): Promise<boolean> {
  if (ancestor === descendant) return true;
  const seen = new Set([descendant]);
  const queue = [descendant];
  for (let read = 0; queue.length > 0 && read < maxCommits; read++) {
    for (const p of await parents(queue.shift() as string)) {
      if (p === ancestor) return true;
      if (!seen.has(p)) {
        seen.add(p);
        queue.push(p);
      }
    }
  }
  return false;
}
