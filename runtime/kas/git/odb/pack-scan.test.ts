import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { git, removeDir, tempDir, writePackedZeros } from "../../../../test/git";
import { findOversizedObject } from "./pack-scan";

const MiB = 1024 * 1024;
let dir: string;
beforeEach(async () => {
  dir = await tempDir();
  await git(dir, ["init", "-q", "--bare"]);
});
afterEach(() => removeDir(dir));

const packOf = (gitdir: string): Buffer => {
  const packDir = path.join(gitdir, "objects", "pack");
  const name = readdirSync(packDir).find((f) => f.endsWith(".pack"));
  return readFileSync(path.join(packDir, name as string));
};

test.each([
  ["a whole blob", {}, 64 * MiB],
  ["a delta whose result is large (its delta data is 1 KiB)", { delta: true }, 64 * MiB],
])("%s over the limit is found from its header (a delta: from its own header)", async (_what, options, size) => {
  await writePackedZeros(dir, size, options);
  expect(findOversizedObject(packOf(dir), 20 * MiB)).toMatchObject({ bytes: size });
});

test("a pack within the limit passes, every entry walked", async () => {
  await writePackedZeros(dir, 4 * MiB, { delta: true });
  expect(findOversizedObject(packOf(dir), 20 * MiB)).toBeUndefined();
});
