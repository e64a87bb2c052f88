/** ObjectReader: what is read is remembered process-wide (trees and commits, objects), per repository; real repositories. */
import { promises as fsp } from "node:fs";
import * as path from "node:path";
import { makeRepo, removeDir, tempDir } from "../../../test/git";
import { ObjectReader } from "./objects";

let root: string;
beforeAll(async () => {
  root = await tempDir("kas-objects-");
});
afterAll(() => removeDir(root));

/** Moves the repository's objects away while `fn` runs: only what is remembered can be read. */
async function withoutObjects<T>(gitdir: string, fn: () => Promise<T>): Promise<T> {
  const objects = path.join(gitdir, "objects");
  await fsp.rename(objects, `${objects}.away`);
  try {
    return await fn();
  } finally {
    await fsp.rename(`${objects}.away`, objects);
  }
}

test("what one reader read (commit, trees) is remembered for a second reader of the same repository, and only for it", async () => {
  const files = { "a/b/c.yaml": "c: 1\n", "a/d.yaml": "d: 1\n", "e.yaml": "e: 1\n" };
  const dir = path.join(root, "one");
  const commit = await makeRepo(dir, files);
  const gitdir = path.join(dir, ".git");
  const first = new ObjectReader(gitdir, "p/one");
  const listed = await first.listFiles(await first.rootTree(commit), () => true);
  expect(listed.map((f) => f.path).sort()).toEqual(Object.keys(files).sort());

  const second = new ObjectReader(gitdir, "p/one");
  const again = await withoutObjects(gitdir, async () => second.listFiles(await second.rootTree(commit), () => true));
  expect(again).toEqual(listed);

  // Another repository (same files, another commit): what "one" read does not answer for "two".
  const other = path.join(root, "two");
  expect(await makeRepo(other, files, { message: "another commit" })).not.toBe(commit);
  const third = new ObjectReader(path.join(other, ".git"), "p/two");
  await expect(third.rootTree(commit)).rejects.toThrow(/Could not find/);
});
