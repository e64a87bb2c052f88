/** The files of a commit that match a manifest project's globs, within the limits. */
import { InvalidGlobError } from "./errors";
import { compileGlobs, validateGlob } from "./glob";
import { checkFileCount, checkPathCount, fileTooLarge, SizeBudget, type CollectLimits } from "./limits";
import { ObjectTooLargeError } from "./odb";
import { MODE_SYMLINK, type ObjectReader } from "./objects";

export interface CollectedFile {
  /** Repository-relative path (a symlink's own path, not its target's). */
  readonly path: string;
  readonly data: Buffer;
}

/**
 * Every blob below `tree` that matches any of `globs`, sorted by path.
 * Symlinks serve their target's content under their own path; symlinks to
 * folders are not followed. Limits are checked before the content is read:
 * glob and file counts first, then each blob's size from its header, against
 * the file limit and what is left of the total.
 */
export async function collect(
  reader: ObjectReader,
  projectId: string,
  tree: string,
  globs: readonly string[],
  limits: CollectLimits,
): Promise<CollectedFile[]> {
  checkPathCount(projectId, globs.length, limits);
  for (const glob of globs) {
    const error = validateGlob(glob);
    if (error !== undefined) {
      throw new InvalidGlobError(`project ${JSON.stringify(projectId)}: invalid glob ${JSON.stringify(glob)}: ${error}`, projectId);
    }
  }
  const matches = compileGlobs(globs);
  const listed = await reader.listFiles(tree, (dir) => matches.mayMatchUnder(dir));
  const candidates = listed.filter((f) => matches(f.path)).sort((a, b) => compare(a.path, b.path));

  const blobs: { path: string; oid: string }[] = [];
  for (const file of candidates) {
    if (file.mode !== MODE_SYMLINK) {
      blobs.push(file);
      continue;
    }
    const target = await reader.follow(tree, file.path, file);
    if (target.kind === "file") blobs.push({ path: file.path, oid: target.oid });
  }
  checkFileCount(projectId, blobs.length, limits);

  const budget = new SizeBudget(projectId, limits);
  const out: CollectedFile[] = [];
  for (const { path, oid } of blobs) {
    const data = await reader.readBlob(oid, budget.next()).catch((err: unknown) => {
      // Over what is left: add() names the limit it passes (the file's or the total's).
      if (err instanceof ObjectTooLargeError && err.part === undefined) budget.add(path, err.size);
      throw fileTooLarge(projectId, path, err);
    });
    budget.add(path, data.length);
    out.push({ path, data });
  }
  return out;
}

/** Byte order of the UTF-16 code units: stable, locale-free. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
