/**
 * The container's filesystem view, made in a private mount namespace so that
 * every path is the real one (/app, /usr/local/bin/node, each mountPath) and
 * the host sees none of it: a mount point that does not exist is made inside
 * an overlay of its nearest existing folder (its upper layer on a tmpfs),
 * never on the host, except an empty folder directly under / (a tmpfs over it
 * in the namespace; removed when the last user stops). /var/run/secrets is a fresh tmpfs: a pod sees only its own.
 */
import { existsSync, mkdirSync, realpathSync, rmdirSync, statSync } from "node:fs";
import * as path from "node:path";
import { safePath } from "./fields";

export interface Mount {
  readonly target: string;
  readonly source: string;
  readonly readOnly: boolean;
  /** Where it comes from, for errors: `volumeMounts[0] (config)`. */
  readonly what: string;
}

export interface Sandbox {
  readonly mounts: readonly Mount[];
  /** The image's own paths (/app, node): read-only with the root. */
  readonly imageMounts: readonly Mount[];
  readonly readOnlyRoot: boolean;
  /** A folder of ours (mode 0700) for the overlays' tmpfs. */
  readonly stage: string;
  readonly hostname: string;
  readonly workingDir: string;
  readonly setpriv: readonly string[];
}

/** Folders a pod must see empty but for what it mounts. */
const FRESH = ["/var/run/secrets"];
/** Folders this process created directly under / and how many running pods use each. */
const created = new Map<string, number>();

const q = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`;

/** The script for `unshare --mount --uts sh -ec`: it mounts, then execs setpriv with "$@". Also returns the host folders it created (release them with releaseHostDirs). */
export function sandboxScript(s: Sandbox): { script: string; hostDirs: string[] } {
  const all = [...s.imageMounts, ...s.mounts].sort((a, b) => depth(a.target) - depth(b.target));
  const lines = [`mount -t tmpfs -o mode=0700 tmpfs ${q(s.stage)}`];
  const covered = new Set<string>();
  const roots: string[] = ["/"];
  const hostDirs: string[] = [];
  const fresh = FRESH.filter((f) => all.some((m) => m.target.startsWith(`${f}/`)) && existsSync(f)).map((f) => realpathSync(f));
  for (const f of fresh) covered.add(f);
  // First every folder that covers a missing mount point, shallowest first (an overlay hides mounts made before it under it), then the binds.
  const ancestors = [...new Set(all.filter((m) => !existsSync(safePath(m.target, m.what))).map((m) => nearestExisting(path.posix.dirname(m.target))))];
  for (const ancestor of ancestors.sort((a, b) => depth(a) - depth(b))) {
    if (ancestor !== "/" && insideCovered(`${ancestor}/x`, covered)) continue;
    if (ancestor === "/") {
      for (const top of new Set(all.filter((m) => !existsSync(m.target) && nearestExisting(path.posix.dirname(m.target)) === "/").map((m) => `/${m.target.split("/")[1]!}`))) {
        if (!created.has(top)) mkdirSync(top);
        created.set(top, (created.get(top) ?? 0) + 1);
        hostDirs.push(top);
        // Empty on the host; deeper folders go to this tmpfs, so the host folder stays empty.
        lines.push(`mount -t tmpfs -o mode=0755 tmpfs ${q(top)}`);
        covered.add(top);
        roots.push(top);
      }
      continue;
    }
    const real = realpathSync(ancestor);
    const n = covered.size;
    lines.push(`mkdir ${q(`${s.stage}/o${n}`)} ${q(`${s.stage}/o${n}/u`)} ${q(`${s.stage}/o${n}/w`)}`);
    lines.push(`mount -t overlay overlay -o ${q(`lowerdir=${real},upperdir=${s.stage}/o${n}/u,workdir=${s.stage}/o${n}/w`)} ${q(real)}`);
    covered.add(real);
    roots.push(real);
  }
  // After the overlays, which would hide them.
  for (const f of fresh) lines.push(`mount -t tmpfs -o mode=0755 tmpfs ${q(f)}`);
  // Mount points first, then the root read-only (before the binds: remounting a covered folder would hit the bind on it), then the binds.
  for (const m of all) {
    const parent = path.posix.dirname(m.target);
    lines.push(statSync(m.source).isFile() ? `mkdir -p ${q(parent)} && { [ -e ${q(m.target)} ] || : > ${q(m.target)}; }` : `mkdir -p ${q(m.target)}`);
  }
  // A bind takes its source mount's flags: each source is bound into the stage while / is still writable.
  all.forEach((m, i) => lines.push(`${statSync(m.source).isFile() ? ":>" : "mkdir"} ${q(`${s.stage}/b${i}`)} && mount --bind ${q(m.source)} ${q(`${s.stage}/b${i}`)}`));
  if (s.readOnlyRoot) for (const r of roots) lines.push(`mount -o remount,bind,ro ${q(r)}`);
  all.forEach((m, i) => {
    lines.push(`mount --bind ${q(`${s.stage}/b${i}`)} ${q(m.target)}`);
    if (m.readOnly || (s.readOnlyRoot && s.imageMounts.includes(m))) lines.push(`mount -o remount,bind,ro ${q(m.target)}`);
  });
  lines.push(`hostname ${q(s.hostname)}`, `cd ${q(s.workingDir)}`, `exec ${s.setpriv.map(q).join(" ")} -- "$@"`);
  return { script: lines.join("\n"), hostDirs };
}

/** Removes the folders sandboxScript created under / once no running pod uses them (only if empty). */
export function releaseHostDirs(dirs: readonly string[]): void {
  for (const dir of dirs) {
    const n = (created.get(dir) ?? 1) - 1;
    if (n > 0) {
      created.set(dir, n);
      continue;
    }
    created.delete(dir);
    try {
      rmdirSync(dir);
    } catch {
      // Not empty: something else put files there; leave it.
    }
  }
}

function nearestExisting(p: string): string {
  let dir = p;
  while (!existsSync(dir)) dir = path.posix.dirname(dir);
  return dir;
}

function insideCovered(p: string, covered: ReadonlySet<string>): boolean {
  let real: string;
  try {
    real = realpathSync(nearestExisting(p));
  } catch {
    return false;
  }
  return [...covered].some((c) => real === c || real.startsWith(`${c}/`));
}

function depth(p: string): number {
  return p.split("/").length;
}
