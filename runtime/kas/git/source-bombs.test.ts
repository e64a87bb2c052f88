/**
 * Zip bombs through GitSource, the way kas reads them: an agent config and
 * manifests of 64 MiB of zeros (kilobytes on disk). Each is refused with a
 * LimitExceededError naming the project, the file, its size and the limit,
 * having inflated no more than the limit.
 */
import * as path from "node:path";
import { LIMITS } from "../../rpc/agent-config";
import { commitFiles, git, makeRepo, removeDir, tempDir, writeLooseZeros, writePackedZeros } from "../../../test/git";
import { inflatedBytes } from "./odb/inflate";
import { GitSource, InvalidRefError, LimitExceededError } from ".";

const MiB = 1024 * 1024;
const BOMB = 64 * MiB;
/** One zlib output chunk past a cap, and a loose object's first look. */
const SLACK = 128 * 1024;

let root: string;
let dir: string;
let commit: string;
let source: GitSource;
beforeAll(async () => {
  root = await tempDir("kas-source-bombs-");
  dir = path.join(root, "evil.git");
  await makeRepo(dir, { "ok/a.yaml": "a: 1\n" }, { bare: true });
  const loose = await writeLooseZeros(dir, BOMB);
  const packed = await writePackedZeros(dir, BOMB + 1);
  // Four manifests of 4.5 MiB each fit a file (5 MiB) but not the total (20 MiB) with a fifth.
  const fourAndAHalf = await writeLooseZeros(dir, 4.5 * MiB);
  commit = await commitFiles(dir, {
    ".gitlab/agents/mallory/config.yaml": { blob: loose },
    "bomb/huge.yaml": { blob: packed.oid },
    ...Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`many/${i}.yaml`, { blob: fourAndAHalf }])),
  });
  await git(dir, ["tag", "-a", "-m", "points at the bomb", "bomb-tag", packed.oid]);
  source = new GitSource({ projects: [{ id: "g/evil", url: dir }] });
});
afterAll(() => removeDir(root));

async function refusal(read: () => Promise<unknown>): Promise<{ message: string; inflated: number }> {
  const before = inflatedBytes();
  const err = await read().then(
    () => new Error("expected a LimitExceededError"),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LimitExceededError);
  return { message: (err as Error).message, inflated: inflatedBytes() - before };
}

test("a config.yaml bomb is refused naming the file, its size and the 128 KiB limit", async () => {
  const file = ".gitlab/agents/mallory/config.yaml";
  const { message, inflated } = await refusal(() => source.readFile("g/evil", commit, file, LIMITS.configFileBytes));
  expect(message).toBe(`project "g/evil": file "${file}" is ${BOMB} bytes, over the limit of ${LIMITS.configFileBytes} bytes`);
  expect(inflated).toBeLessThan(LIMITS.configFileBytes + SLACK);
});

test("a manifest bomb is refused naming the file, its size and the 5 MiB limit", async () => {
  const { message, inflated } = await refusal(() => source.collectFiles("g/evil", commit, ["bomb/*.yaml"]));
  expect(message).toBe(`project "g/evil": file "bomb/huge.yaml" is ${BOMB + 1} bytes, over the limit of ${LIMITS.fileBytes} bytes`);
  expect(inflated).toBeLessThan(SLACK);
});

test("files over the project's total are refused before the one that passes it is inflated", async () => {
  const { message, inflated } = await refusal(() => source.collectFiles("g/evil", commit, ["many/*.yaml"]));
  expect(message).toBe(
    `project "g/evil": files total more than the limit of ${LIMITS.totalBytes} bytes (${22.5 * MiB} bytes up to and including "many/4.yaml")`,
  );
  // The first four, read once (the same blob: the cache serves three), and no more.
  expect(inflated).toBeLessThan(4.5 * MiB + SLACK);
});

test("a bomb reached through an annotated tag is refused the same way; a ref to it is not a commit, and is not read", async () => {
  const tag = await git(dir, ["rev-parse", "bomb-tag"]);
  const { message } = await refusal(() => source.readBlob("g/evil", tag, "tagged.yaml", LIMITS.fileBytes));
  expect(message).toBe(`project "g/evil": file "tagged.yaml" is ${BOMB + 1} bytes, over the limit of ${LIMITS.fileBytes} bytes`);
  const before = inflatedBytes();
  await expect(source.resolveRef("g/evil", { tag: "bomb-tag" })).rejects.toThrow(InvalidRefError);
  expect(inflatedBytes() - before).toBeLessThan(SLACK);
});
