import * as path from "node:path";
import { makeRepo, removeDir, tempDir, type RepoFiles } from "../../../test/git";
import { DEFAULT_LIMITS, GitSource, InvalidGlobError, LimitExceededError, SymlinkError, type CollectLimits } from ".";

let root: string;
let counter = 0;
beforeAll(async () => {
  root = await tempDir();
});
afterAll(() => removeDir(root));

/** A bare repository with `files` and a source over it. */
async function repo(files: RepoFiles): Promise<{ source: GitSource; commit: string }> {
  const dir = path.join(root, `r${counter++}.git`);
  const commit = await makeRepo(dir, files, { bare: true });
  return { source: new GitSource({ projects: [{ id: "g/p", url: dir }] }), commit };
}

const TREE: RepoFiles = {
  "root.yaml": "r",
  "notes.txt": "n",
  "team1/app1/a.yaml": "a",
  "team1/app1/b.json": "b",
  "team1/app1/c.txt": "c",
  "team1/app1/deep/d.yml": "d",
  "team2/e.yaml": "e",
  ".gitlab/agents/x/config.yaml": "cfg",
  "team2/.hidden/f.yaml": "f",
  ".top.yaml": "t",
};

describe("collectFiles globs", () => {
  let source: GitSource;
  let commit: string;
  beforeAll(async () => ({ source, commit } = await repo(TREE)));

  test.each<[string[], string[]]>([
    [["**/*.{yaml,yml,json}"], [".top.yaml", "root.yaml", "team1/app1/a.yaml", "team1/app1/b.json", "team1/app1/deep/d.yml", "team2/e.yaml"]],
    [["/team1/app1/*.{yaml,yml,json}"], ["team1/app1/a.yaml", "team1/app1/b.json"]],
    [["team1/**"], ["team1/app1/a.yaml", "team1/app1/b.json", "team1/app1/c.txt", "team1/app1/deep/d.yml"]],
    [["*.txt", "team2/*"], ["notes.txt", "team2/e.yaml"]],
    [["**/a.yaml", "team1/app1/a.yaml"], ["team1/app1/a.yaml"]],
    [[".gitlab/**", "**/.hidden/*"], []],
    [["nothing/**"], []],
  ])("%j -> %j", async (globs, expected) => {
    const files = await source.collectFiles("g/p", commit, globs);
    expect(files.map((f) => f.path)).toEqual(expected);
  });

  test("content is served as bytes", async () => {
    const files = await source.collectFiles("g/p", commit, ["team2/e.yaml"]);
    expect(files).toEqual([{ path: "team2/e.yaml", data: Buffer.from("e") }]);
  });

  test.each(["../**/*.yaml", "a/../../x", "{a,..}/*", "a\\b", "{a,b"])("glob %j is rejected, naming it", async (glob) => {
    const err = await source.collectFiles("g/p", commit, ["**/*.yaml", glob]).catch((e: Error) => e);
    expect(err).toBeInstanceOf(InvalidGlobError);
    expect((err as Error).message).toContain(`project "g/p": invalid glob ${JSON.stringify(glob)}`);
  });
});

describe("collectFiles symlinks", () => {
  test("a link inside the repository serves its target's content under its own path", async () => {
    const { source, commit } = await repo({
      "base/deploy.yaml": "kind: Deployment",
      "app/deploy.yaml": { symlink: "../base/deploy.yaml" },
      "app/chain.yaml": { symlink: "deploy.yaml" },
      "app/dir-link": { symlink: "../base" },
    });
    const files = await source.collectFiles("g/p", commit, ["app/**"]);
    expect(files.map((f) => [f.path, f.data.toString()])).toEqual([
      ["app/chain.yaml", "kind: Deployment"],
      ["app/deploy.yaml", "kind: Deployment"],
    ]);
  });

  test.each<[string, string, string]>([
    ["../../etc/passwd", "a/evil.yaml", 'symlink "a/evil.yaml" points outside the repository ("../../etc/passwd")'],
    ["/etc/passwd", "a/evil.yaml", 'symlink "a/evil.yaml" points outside the repository ("/etc/passwd")'],
    ["gone.yaml", "a/evil.yaml", 'symlink "a/evil.yaml" points to "gone.yaml", which does not exist'],
    ["evil.yaml", "a/evil.yaml", 'symlink "a/evil.yaml": too many levels of symlinks'],
  ])("a link to %j is refused", async (target, link, message) => {
    const { source, commit } = await repo({ "a/ok.yaml": "ok", [link]: { symlink: target } });
    const err = await source.collectFiles("g/p", commit, ["a/*.yaml"]).catch((e: Error) => e);
    expect(err).toBeInstanceOf(SymlinkError);
    expect((err as Error).message).toBe(`project "g/p": ${message}`);
    // A link the globs do not match is never looked at.
    await expect(source.collectFiles("g/p", commit, ["a/ok.yaml"])).resolves.toHaveLength(1);
  });
});

describe("collectFiles limits", () => {
  const small: CollectLimits = { fileBytes: 10, totalBytes: 25, files: 3, paths: 2 };

  test("each limit, with small limits", async () => {
    const { source, commit } = await repo({ "a.yaml": "1234567890", "b.yaml": "1234567890", "c.yaml": "123456", "d/big.yaml": "12345678901" });
    await expect(source.collectFiles("g/p", commit, ["*.yaml", "d/*", "x"], small)).rejects.toThrow(
      new LimitExceededError('project "g/p": 3 paths given, at most 2 are allowed'),
    );
    await expect(source.collectFiles("g/p", commit, ["**"], small)).rejects.toThrow(
      'project "g/p": 4 files match the paths, more than the limit of 3 files',
    );
    await expect(source.collectFiles("g/p", commit, ["d/*"], small)).rejects.toThrow(
      'project "g/p": file "d/big.yaml" is 11 bytes, over the limit of 10 bytes',
    );
    await expect(source.collectFiles("g/p", commit, ["*.yaml"], small)).rejects.toThrow(
      'project "g/p": files total more than the limit of 25 bytes (26 bytes up to and including "c.yaml")',
    );
    await expect(source.collectFiles("g/p", commit, ["*.yaml"], { ...small, totalBytes: 26 })).resolves.toHaveLength(3);
  });

  test("GitLab's limits by default: 100 paths, and a file of 5 MiB + 1 byte", async () => {
    expect(DEFAULT_LIMITS).toEqual({ fileBytes: 5 * 1024 * 1024, totalBytes: 20 * 1024 * 1024, files: 1000, paths: 100 });
    const { source, commit } = await repo({ "ok.yaml": "x".repeat(5 * 1024 * 1024), "big.yaml": Buffer.alloc(5 * 1024 * 1024 + 1, 120) });
    const err = await source.collectFiles("g/p", commit, ["*.yaml"]).catch((e: Error) => e);
    expect(err).toBeInstanceOf(LimitExceededError);
    expect((err as Error).message).toBe('project "g/p": file "big.yaml" is 5242881 bytes, over the limit of 5242880 bytes');
    await expect(source.collectFiles("g/p", commit, ["ok.yaml"])).resolves.toHaveLength(1);
    const globs = Array.from({ length: 101 }, (_, i) => `p${i}/*.yaml`);
    await expect(source.collectFiles("g/p", commit, globs)).rejects.toThrow("101 paths given, at most 100 are allowed");
  });
});
