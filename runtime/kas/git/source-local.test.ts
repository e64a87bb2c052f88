import { promises as fsp } from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { commitFiles, createTag, git, makeRepo, removeDir, setBranch, tempDir } from "../../../test/git";
import { GitSource, InvalidRefError, LimitExceededError, ProjectNotFoundError, RefNotFoundError, SourceUnavailableError, SymlinkError } from ".";

let root: string;
beforeAll(async () => {
  root = await tempDir();
});
afterAll(() => removeDir(root));

const text = async (source: GitSource, id: string, commit: string, file: string): Promise<string | undefined> =>
  (await source.readFile(id, commit, file, 1024 * 1024))?.toString();

describe.each([
  ["bare", true],
  ["non-bare", false],
])("a local %s repository", (kind, bare) => {
  let dir: string;
  let first: string;
  let second: string;
  let source: GitSource;
  beforeAll(async () => {
    dir = path.join(root, `${kind}.git`);
    first = await makeRepo(dir, { "app.yaml": "v: 1\n", "dir/x.yaml": "x" }, { bare });
    second = await commitFiles(dir, { "app.yaml": "v: 2\n" });
    await commitFiles(dir, { "app.yaml": "v: dev\n" }, { branch: "feature/dev" });
    await createTag(dir, "v1", first);
    await createTag(dir, "v1-annotated", first, { annotated: true });
    source = new GitSource({ projects: [{ id: "group/app", url: bare ? pathToFileURL(dir).href : dir }] });
  });

  test("the empty ref is the default branch", async () => {
    expect(await source.resolveRef("group/app", {})).toBe(second);
    expect(await source.resolveRef("group/app")).toBe(second);
  });

  test("branch, tag (light and annotated) and commit (full and short) refs", async () => {
    expect(await source.resolveRef("group/app", { branch: "main" })).toBe(second);
    const dev = await source.resolveRef("group/app", { branch: "feature/dev" });
    expect(await text(source, "group/app", dev, "app.yaml")).toBe("v: dev\n");
    expect(await source.resolveRef("group/app", { tag: "v1" })).toBe(first);
    expect(await source.resolveRef("group/app", { tag: "v1-annotated" })).toBe(first);
    expect(await source.resolveRef("group/app", { commit: first })).toBe(first);
    expect(await source.resolveRef("group/app", { commit: first.slice(0, 10) })).toBe(first);
  });

  test("files are read at the commit asked for", async () => {
    expect(await text(source, "group/app", first, "app.yaml")).toBe("v: 1\n");
    expect(await text(source, "group/app", second, "/app.yaml")).toBe("v: 2\n");
    expect(await text(source, "group/app", second, "missing.yaml")).toBeUndefined();
    expect(await text(source, "group/app", second, "dir")).toBeUndefined();
  });

  test("hasCommit and isAncestor (commit_status): history on main, not the other branch; a commit kas does not have is in no history", async () => {
    const dev = await source.resolveRef("group/app", { branch: "feature/dev" });
    const absent = "f".repeat(40);
    expect(await source.hasCommit("group/app", first)).toBe(true);
    expect(await source.hasCommit("group/app", absent)).toBe(false);
    expect(await source.hasCommit("group/app", first.slice(0, 12))).toBe(false);
    expect(await source.isAncestor("group/app", first, second)).toBe(true);
    expect(await source.isAncestor("group/app", second, second)).toBe(true);
    expect(await source.isAncestor("group/app", second, first)).toBe(false);
    expect(await source.isAncestor("group/app", dev, second)).toBe(false);
    expect(await source.isAncestor("group/app", first, absent)).toBe(false);
    expect(await source.isAncestor("group/app", first, second, 0)).toBe(false);
  });

  test("a missing ref names the project and the ref and lists branches", async () => {
    await expect(source.resolveRef("group/app", { branch: "nope" })).rejects.toThrow(
      new RefNotFoundError("group/app", 'branch "nope"', ["feature/dev", "main"]),
    );
    const err = await source.resolveRef("group/app", { tag: "v9" }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(RefNotFoundError);
    expect((err as Error).message).toBe('project "group/app": tag "v9" not found; existing branches: feature/dev, main');
    await expect(source.resolveRef("group/app", { commit: "0".repeat(40) })).rejects.toThrow(/commit 0{40} not found/);
  });
});

describe("local repositories", () => {
  test("the working tree is never read, only the commit", async () => {
    const dir = path.join(root, "worktree");
    const commit = await makeRepo(dir, { "app.yaml": "committed" });
    await fsp.writeFile(path.join(dir, "app.yaml"), "edited, not committed");
    await fsp.writeFile(path.join(dir, "new.yaml"), "untracked");
    const source = new GitSource({ projects: [{ id: "p", url: dir }] });
    expect(await source.resolveRef("p")).toBe(commit);
    expect(await text(source, "p", commit, "app.yaml")).toBe("committed");
    expect(await text(source, "p", commit, "new.yaml")).toBeUndefined();
  });

  test("relative paths resolve against baseDir; a force-push backwards resolves to the new commit", async () => {
    const dir = path.join(root, "force.git");
    const old = await makeRepo(dir, { "a.yaml": "old" }, { bare: true });
    const newer = await commitFiles(dir, { "a.yaml": "new" });
    const source = new GitSource({ projects: [{ id: "p", url: "force.git" }], baseDir: root });
    expect(await source.resolveRef("p", { branch: "main" })).toBe(newer);
    await setBranch(dir, "main", old);
    expect(await source.resolveRef("p", { branch: "main" })).toBe(old);
    await git(dir, ["pack-refs", "--all"]); // refs in packed-refs only
    expect(await source.resolveRef("p", { branch: "main" })).toBe(old);
  });

  test("readFile follows symlinks inside the repository and refuses escaping ones", async () => {
    const dir = path.join(root, "links.git");
    const commit = await makeRepo(
      dir,
      { "real/config.yaml": "real", "config.yaml": { symlink: "real/config.yaml" }, "evil.yaml": { symlink: "../../etc/passwd" } },
      { bare: true },
    );
    const source = new GitSource({ projects: [{ id: "p", url: dir }] });
    expect(await text(source, "p", commit, "config.yaml")).toBe("real");
    await expect(source.readFile("p", commit, "evil.yaml", 100)).rejects.toThrow(
      new SymlinkError('project "p": symlink "evil.yaml" points outside the repository ("../../etc/passwd")'),
    );
  });

  test("fileOid names the blob readFile reads (symlinks followed); readBlob checks the size", async () => {
    const dir = path.join(root, "oids.git");
    const commit = await makeRepo(dir, { "real/config.yaml": "real", "config.yaml": { symlink: "real/config.yaml" }, "dir/x": "x" }, { bare: true });
    const source = new GitSource({ projects: [{ id: "p", url: dir }] });
    const oid = await git(dir, ["rev-parse", `${commit}:real/config.yaml`]);
    expect(await source.fileOid("p", commit, "real/config.yaml")).toBe(oid);
    expect(await source.fileOid("p", commit, "config.yaml")).toBe(oid);
    expect(await source.fileOid("p", commit, "missing.yaml")).toBeUndefined();
    expect(await source.fileOid("p", commit, "dir")).toBeUndefined();
    expect((await source.readBlob("p", oid, "config.yaml", 4)).toString()).toBe("real");
    await expect(source.readBlob("p", oid, "config.yaml", 3)).rejects.toThrow('project "p": file "config.yaml" is 4 bytes, over the limit of 3 bytes');
    await expect(source.fileOid("p", "0".repeat(40), "config.yaml")).rejects.toThrow(RefNotFoundError);
    await expect(source.fileOid("p", commit, "../x")).rejects.toThrow(/not a plain repository path/);
  });

  test("packed repositories (after git gc) read the same as loose ones", async () => {
    const dir = path.join(root, "packed.git");
    const files = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`.gitlab/agents/a${i}/config.yaml`, `gitops: {}\n# agent ${i}\n${"x: 1\n".repeat(i)}`]));
    await makeRepo(dir, files, { bare: true });
    const commit = await commitFiles(dir, { ".gitlab/agents/a7/config.yaml": "changed\n", "link.yaml": { symlink: ".gitlab/agents/a3/config.yaml" } });
    await git(dir, ["gc", "-q", "--aggressive"]);
    await git(dir, ["prune-packed"]);
    const source = new GitSource({ projects: [{ id: "p", url: dir }] });
    const read = await Promise.all(Object.keys(files).map((f) => text(source, "p", commit, f)));
    expect(read).toEqual(Object.entries(files).map(([f, c]) => (f === ".gitlab/agents/a7/config.yaml" ? "changed\n" : c)));
    expect(await text(source, "p", commit, "link.yaml")).toBe(files[".gitlab/agents/a3/config.yaml"]);
    source.close();
    expect(await text(source, "p", commit, ".gitlab/agents/a9/config.yaml")).toBe(files[".gitlab/agents/a9/config.yaml"]);
  });

  test("readFile over maxBytes names the path", async () => {
    const dir = path.join(root, "big.git");
    const commit = await makeRepo(dir, { "a/config.yaml": "x".repeat(101) }, { bare: true });
    const source = new GitSource({ projects: [{ id: "p", url: dir }] });
    expect((await source.readFile("p", commit, "a/config.yaml", 101))?.length).toBe(101);
    const err = await source.readFile("p", commit, "a/config.yaml", 100).catch((e: Error) => e);
    expect(err).toBeInstanceOf(LimitExceededError);
    expect((err as Error).message).toBe('project "p": file "a/config.yaml" is 101 bytes, over the limit of 100 bytes');
    await expect(source.readFile("p", commit, "../x", 100)).rejects.toThrow(/not a plain repository path/);
  });

  test("unknown projects, folders that are not repositories, bad refs", async () => {
    const notRepo = path.join(root, "not-a-repo");
    await fsp.mkdir(notRepo);
    const source = new GitSource({ projects: [{ id: "p", url: notRepo }] });
    await expect(source.resolveRef("nope")).rejects.toThrow(new ProjectNotFoundError("nope", ["p"]));
    await expect(source.resolveRef("nope")).rejects.toThrow('project "nope" is not configured (configured: p)');
    const err = await source.resolveRef("p").catch((e: Error) => e);
    expect(err).toBeInstanceOf(SourceUnavailableError);
    expect((err as Error).message).toBe(`project "p": repository ${notRepo} is unavailable: not a git repository`);
    await expect(source.resolveRef("p", { branch: "../../config" })).rejects.toThrow(InvalidRefError);
    await expect(source.resolveRef("p", { branch: "a", tag: "b" })).rejects.toThrow("set only one");
    await expect(source.resolveRef("p", { commit: "xyz" })).rejects.toThrow("is not a hexadecimal commit SHA");
  });

  test("configuration errors are thrown at construction", () => {
    expect(() => new GitSource({ projects: [{ id: "p", url: "ssh://git@host/x.git" }] })).toThrow(/unsupported repository URL/);
    expect(() => new GitSource({ projects: [{ id: "p", url: "https://host/x.git" }] })).toThrow(/cacheDir is required/);
    expect(() => new GitSource({ projects: [{ id: "p", url: "/a" }, { id: "p", url: "/b" }] })).toThrow(/configured twice/);
  });
});
