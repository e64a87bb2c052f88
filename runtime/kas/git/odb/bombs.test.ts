/**
 * Zip bombs against ObjectStore: blobs of zeros that are 64 MiB inflated and
 * kilobytes on disk, loose, packed whole and packed as a delta. A read under
 * a limit is refused from the object's header, and no inflate ever produces
 * more than the limit (measured by the inflate module's byte counter).
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import * as path from "node:path";
import { commitFiles, git, makeRepo, removeDir, tempDir, writeLooseZeros, writePackedZeros } from "../../../../test/git";
import { ObjectReader } from "../objects";
import { inflatedBytes } from "./inflate";
import { ObjectStore, ObjectTooLargeError } from ".";

const MiB = 1024 * 1024;
const BOMB = 64 * MiB;
const LIMIT = 5 * MiB;
/** A delta of inserts is larger than its result, and held in memory to write it: smaller. */
const INSERTS = 8 * MiB;
/** What an inflate may produce past its cap before zlib stops it (one output chunk), plus a loose object's first look. */
const SLACK = 128 * 1024;

let root: string;
let gitdir: string;
const bombs: Record<string, string> = {};
beforeAll(async () => {
  root = await tempDir("kas-odb-bombs-");
  gitdir = path.join(root, "repo.git");
  await makeRepo(gitdir, { "small.yaml": "a: 1\n" }, { bare: true });
  bombs.loose = await writeLooseZeros(gitdir, BOMB);
  bombs.packed = (await writePackedZeros(gitdir, BOMB + 1)).oid;
  bombs.delta = (await writePackedZeros(gitdir, BOMB + 0x10000, { delta: true })).oid;
  bombs.inserts = (await writePackedZeros(gitdir, INSERTS, { delta: "inserts" })).oid;
});
afterAll(() => removeDir(root));

/** Bytes inflated while `run` runs. */
async function inflatedDuring(run: () => Promise<unknown>): Promise<number> {
  const before = inflatedBytes();
  await run();
  return inflatedBytes() - before;
}

test.each([
  ["a loose blob over the limit", "loose", BOMB],
  ["a packed blob over the limit", "packed", BOMB + 1],
  ["a packed delta whose result is over the limit (its own header says)", "delta", BOMB + 0x10000],
  ["a packed delta that is itself over the limit (only its header is inflated)", "inserts", INSERTS],
])("%s: refused from its header, having inflated no more than the limit", async (_name, kind, size) => {
  const oid = bombs[kind] as string;
  const store = new ObjectStore(gitdir, { cacheBytes: 256 * MiB });
  let error: unknown;
  const inflated = await inflatedDuring(() => store.read(oid, LIMIT).catch((err: unknown) => (error = err)));
  expect(error).toBeInstanceOf(ObjectTooLargeError);
  expect(error).toMatchObject({ oid, size, limit: LIMIT });
  expect((error as Error).message).toBe(`object ${oid} is ${size} bytes, over the limit of ${LIMIT} bytes`);
  expect(inflated).toBeLessThan(LIMIT + SLACK);
  // Refused again (not cached as a success), and again without inflating it.
  await expect(store.read(oid, LIMIT)).rejects.toThrow(ObjectTooLargeError);
});

test("a loose object larger on disk than its limit allows is refused from its header without reading it whole", async () => {
  const random = randomBytes(8 * MiB);
  const oid = await git(gitdir, ["hash-object", "-w", "--stdin"], random);
  const store = new ObjectStore(gitdir, { cacheBytes: 256 * MiB });
  const read = jest.spyOn(fs, "readSync");
  const inflated = await inflatedDuring(() => expect(store.read(oid, LIMIT)).rejects.toMatchObject({ oid, size: random.length, limit: LIMIT }));
  expect(inflated).toBeLessThan(SLACK);
  expect(read).toHaveBeenCalled();
  expect(read.mock.calls.map((call) => call[1] as Buffer).every((buffer) => buffer.length <= 4096)).toBe(true);
  read.mockRestore();
});

test("a small blob stored as a delta of a bomb: its base is read under the store's limit, and refused", async () => {
  // 128 KiB: no other blob of this repository (64 KiB of zeros is the other deltas' base).
  const { oid, baseOid } = await writePackedZeros(gitdir, 0x20000, { delta: true, baseSize: BOMB + 3 });
  const store = new ObjectStore(gitdir, { cacheBytes: 256 * MiB });
  const inflated = await inflatedDuring(() =>
    expect(store.read(oid, LIMIT)).rejects.toMatchObject({ oid, size: BOMB + 3, limit: 20 * MiB, part: `delta base ${baseOid}` }),
  );
  expect(inflated).toBeLessThan(SLACK);
});

test("without a limit a read is capped by the store's (20 MiB by default)", async () => {
  const store = new ObjectStore(gitdir);
  const inflated = await inflatedDuring(() => expect(store.read(bombs.packed as string)).rejects.toMatchObject({ limit: 20 * MiB }));
  expect(inflated).toBeLessThan(SLACK);
});

test("an object within the limit is read; a cached one is refused to a read with a smaller limit", async () => {
  const dir = path.join(root, "fits.git");
  await makeRepo(dir, { "small.yaml": "a: 1\n" }, { bare: true });
  const oid = await writeLooseZeros(dir, 300 * 1024);
  const store = new ObjectStore(dir);
  const [a, b] = await Promise.all([store.read(oid, 200 * 1024).catch((e: unknown) => e), store.read(oid, LIMIT)]);
  expect(a).toMatchObject({ size: 300 * 1024, limit: 200 * 1024 });
  expect((b as { data: Buffer }).data.length).toBe(300 * 1024);
  await expect(store.read(oid, 200 * 1024)).rejects.toThrow(ObjectTooLargeError);
  expect((await store.read(oid, 300 * 1024)).data.length).toBe(300 * 1024);
});

test("an annotated tag of a bomb is peeled under the same limit", async () => {
  const dir = path.join(root, "tagged.git");
  await makeRepo(dir, { "small.yaml": "a: 1\n" }, { bare: true });
  const blob = await writeLooseZeros(dir, BOMB);
  await commitFiles(dir, { "big.yaml": { blob } });
  await git(dir, ["tag", "-a", "-m", "a bomb", "bomb", blob]);
  const tag = await git(dir, ["rev-parse", "bomb"]);
  const reader = new ObjectReader(dir, "g/tagged");
  const inflated = await inflatedDuring(() => expect(reader.readBlob(tag, LIMIT)).rejects.toMatchObject({ oid: blob, size: BOMB, limit: LIMIT }));
  expect(inflated).toBeLessThan(LIMIT + SLACK);
});
