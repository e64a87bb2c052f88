/** ObjectStore against real repositories made by the git CLI: loose objects, packs (deltas of both kinds), changes on disk. */
import { promises as fsp } from "node:fs";
import * as path from "node:path";
import git from "isomorphic-git";
import { commitFiles, git as run, makeRepo, removeDir, tempDir } from "../../../../test/git";
import { CorruptObjectError, objectId, ObjectStore } from ".";

let root: string;
beforeAll(async () => {
  root = await tempDir("kas-odb-");
});
afterAll(() => removeDir(root));
afterEach(() => jest.restoreAllMocks());

/** Lines a config file of this size differs from its last version by one line: packs store most as deltas. */
const bigFile = (version: number): string => Array.from({ length: 400 }, (_, i) => `key${i}: ${i === 200 ? version : i}\n`).join("");

/** A repository with a few commits of a growing file, a folder and a symlink; `dir/.git` is its gitdir. */
async function repo(name: string): Promise<{ dir: string; gitdir: string }> {
  const dir = path.join(root, name);
  await makeRepo(dir, { "app.yaml": bigFile(0), "dir/x.yaml": "x: 1\n", "link.yaml": { symlink: "app.yaml" } });
  for (let v = 1; v <= 5; v++) await commitFiles(dir, { "app.yaml": bigFile(v), [`dir/${v}.yaml`]: `v: ${v}\n` });
  // git fast-import leaves fewer than 100 objects loose; more go to a pack, each blob a delta of the one before (as in kas-scale).
  await commitFiles(dir, Object.fromEntries(Array.from({ length: 120 }, (_, i) => [`fleet/${i}.yaml`, bigFile(i)])));
  return { dir, gitdir: path.join(dir, ".git") };
}

/** Every object git knows of in `dir`: id, type and size. */
async function allObjects(dir: string): Promise<{ oid: string; type: string; size: number }[]> {
  const out = await run(dir, ["cat-file", "--batch-check", "--batch-all-objects"]);
  return out.split("\n").map((line) => {
    const [oid = "", type = "", size = ""] = line.split(" ");
    return { oid, type, size: Number(size) };
  });
}

/**
 * Reads every object and checks type and size against git (the store checks
 * each object's content against its id), none of them through isomorphic-git.
 */
async function expectAllReadable(store: ObjectStore, dir: string): Promise<void> {
  const fallback = jest.spyOn(git, "readObject");
  const objects = await allObjects(dir);
  expect(objects.length).toBeGreaterThan(20);
  for (const { oid, type, size } of objects) {
    const o = await store.read(oid);
    expect([oid, o.type, o.data.length]).toEqual([oid, type, size]);
  }
  expect(fallback).not.toHaveBeenCalled();
}

/** How many entries of the repository's packs are deltas (`git verify-pack -v` lists a delta's depth and base). */
async function deltaCount(gitdir: string): Promise<number> {
  const pack = path.join(gitdir, "objects", "pack");
  const idx = (await fsp.readdir(pack)).filter((n) => n.endsWith(".idx"));
  let deltas = 0;
  for (const name of idx) {
    const lines = (await run(gitdir, ["verify-pack", "-v", path.join(pack, name)])).split("\n");
    deltas += lines.filter((l) => /^[0-9a-f]{40} (blob|tree|commit|tag)\s+\d+ \d+ \d+ \d+ [0-9a-f]{40}$/.test(l)).length;
  }
  return deltas;
}

/** Moves every packed object out to a loose file (`git unpack-objects`). */
async function unpackAll(gitdir: string): Promise<void> {
  const dir = path.join(gitdir, "objects", "pack");
  for (const name of (await fsp.readdir(dir)).filter((n) => n.endsWith(".pack"))) {
    const data = await fsp.readFile(path.join(dir, name));
    await fsp.rm(path.join(dir, name));
    await fsp.rm(path.join(dir, name.replace(/\.pack$/, ".idx")));
    await run(gitdir, ["unpack-objects", "-q"], data);
  }
}

test("loose objects and the pack git fast-import writes (deltas against the previous blob)", async () => {
  const { dir, gitdir } = await repo("fast-import");
  expect(await deltaCount(gitdir)).toBeGreaterThan(0);
  await expectAllReadable(new ObjectStore(gitdir), dir);
});

test("loose objects", async () => {
  const { dir, gitdir } = await repo("loose");
  await unpackAll(gitdir);
  expect(await fsp.readdir(path.join(gitdir, "objects", "pack"))).toEqual([]);
  const store = new ObjectStore(gitdir);
  await expectAllReadable(store, dir);
  const blob = await store.read(objectId("blob", Buffer.from("x: 1\n")));
  expect(blob).toEqual({ type: "blob", data: Buffer.from("x: 1\n") });
});

test.each([
  ["git gc (ofs-delta)", ["gc", "-q", "--aggressive"]],
  ["git repack without base offsets (ref-delta)", ["-c", "repack.useDeltaBaseOffset=false", "repack", "-q", "-a", "-d", "-f"]],
])("packs after %s", async (_name, args) => {
  const { dir, gitdir } = await repo(`repacked-${args.length}`);
  await run(dir, args);
  await run(dir, ["prune-packed"]);
  expect(await deltaCount(gitdir)).toBeGreaterThan(0);
  await expectAllReadable(new ObjectStore(gitdir), dir);
});

test("a pack written after the first read is found; packs a repack deleted are let go of", async () => {
  const { dir, gitdir } = await repo("changing");
  const store = new ObjectStore(gitdir, { cacheBytes: 0 });
  const fallback = jest.spyOn(git, "readObject");
  const packDir = path.join(gitdir, "objects", "pack");
  const packs = async () => (await fsp.readdir(packDir)).filter((n) => n.endsWith(".pack"));
  /** Pack files of this repository this process holds open. */
  const openPacks = async () => {
    const fds = await fsp.readdir("/proc/self/fd");
    const targets = await Promise.all(fds.map((fd) => fsp.readlink(`/proc/self/fd/${fd}`).catch(() => "")));
    return targets.filter((t) => t.startsWith(packDir)).map((t) => path.basename(t));
  };
  const fleet = (n: number) => Object.fromEntries(Array.from({ length: 120 }, (_, i) => [`later/${i}.yaml`, bigFile(i + n)]));

  expect((await store.read(await run(dir, ["rev-parse", "HEAD"]))).type).toBe("commit");
  const before = await packs();
  expect(await openPacks()).toEqual(before);
  const next = await commitFiles(dir, fleet(1000));
  expect((await packs()).length).toBe(before.length + 1);
  expect((await store.read(next)).type).toBe("commit");

  await run(dir, ["gc", "-q"]);
  await run(dir, ["prune-packed"]);
  const last = await commitFiles(dir, fleet(2000));
  expect((await store.read(last)).type).toBe("commit");
  expect((await openPacks()).sort()).toEqual((await packs()).sort());
  await expectAllReadable(store, dir);
  expect(fallback).not.toHaveBeenCalled();
});

test("a missing object is isomorphic-git's NotFoundError; the empty tree exists in every repository", async () => {
  const { gitdir } = await repo("missing");
  const store = new ObjectStore(gitdir);
  await expect(store.read("0123456789abcdef0123456789abcdef01234567")).rejects.toMatchObject({
    code: "NotFoundError",
    message: "Could not find 0123456789abcdef0123456789abcdef01234567.",
  });
  expect(await store.read("4b825dc642cb6eb9a060e54bf8d69288fbee4904")).toEqual({ type: "tree", data: Buffer.alloc(0) });
});

test("a loose object whose content does not hash to its id is a CorruptObjectError", async () => {
  const { gitdir } = await repo("corrupt");
  await unpackAll(gitdir);
  const a = objectId("blob", Buffer.from("v: 1\n"));
  const b = objectId("blob", Buffer.from("v: 2\n"));
  const file = (oid: string) => path.join(gitdir, "objects", oid.slice(0, 2), oid.slice(2));
  await fsp.chmod(file(a), 0o644);
  await fsp.copyFile(file(b), file(a));
  await expect(new ObjectStore(gitdir).read(a)).rejects.toThrow(CorruptObjectError);
});

test("concurrent reads of one object share one read, and a read object is served from the cache", async () => {
  const { gitdir } = await repo("shared");
  const store = new ObjectStore(gitdir);
  const oid = objectId("blob", Buffer.from(bigFile(5)));
  const [a, b] = await Promise.all([store.read(oid), store.read(oid)]);
  expect(a).toBe(b);
  expect(await store.read(oid)).toBe(a);
  expect(a.data.toString()).toBe(bigFile(5));
});

test("stores share one cache, each sees only its own repository's objects", async () => {
  const a = await repo("cache-a");
  const b = path.join(root, "cache-b");
  await makeRepo(b, { "other.yaml": "other: 1\n" });
  const only = objectId("blob", Buffer.from(bigFile(5)));
  expect((await new ObjectStore(a.gitdir).read(only)).data.toString()).toBe(bigFile(5));
  // Repository b never held the object: the read a's store cached must not answer for b.
  await expect(new ObjectStore(path.join(b, ".git")).read(only)).rejects.toThrow(git.Errors.NotFoundError);
  // A second store of a answers from the cache: it does so with a's objects folder gone.
  const objects = path.join(a.gitdir, "objects");
  await fsp.rename(objects, `${objects}.away`);
  try {
    expect((await new ObjectStore(a.gitdir).read(only)).data.toString()).toBe(bigFile(5));
  } finally {
    await fsp.rename(`${objects}.away`, objects);
  }
});
