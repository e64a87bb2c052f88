import { cacheDirName, locate, redactUrl, repoPath, resolveSymlinkTarget } from "./paths";
import { describeRef, normalizeRef, refNameProblem } from "./refs";

test.each<[string, string, string | undefined]>([
  ["a/link.yaml", "target.yaml", "a/target.yaml"],
  ["a/link.yaml", "../b/t.yaml", "b/t.yaml"],
  ["a/b/link", "./../../c", "c"],
  ["link", "dir/", "dir"],
  ["a/link", "..", ""],
  ["a/link", "../../x", undefined],
  ["link", "../x", undefined],
  ["a/link", "/etc/passwd", undefined],
  ["a/link", "", undefined],
])("symlink %s -> %s resolves to %j", (link, target, expected) => {
  const r = resolveSymlinkTarget(link, target);
  if (expected === undefined) expect(r).toEqual({ error: `symlink ${JSON.stringify(link)} points outside the repository (${JSON.stringify(target)})` });
  else expect(r).toEqual({ path: expected });
});

test.each<[string, string | undefined]>([
  ["main", undefined],
  ["feature/x-1", undefined],
  ["v1.2.3", undefined],
  ["", "is empty"],
  ["../../config", 'contains ".."'],
  ["a b", "special character"],
  ["a~1", "special character"],
  ["a\\b", "special character"],
  ["a@{1}", '"@{"'],
  ["/main", "empty path component"],
  ["a//b", "empty path component"],
  ["-x", 'starts with "-"'],
  ["x.", 'ends with "."'],
  ["a/.hidden", 'starting with "."'],
  ["main.lock", '".lock"'],
])("ref name %j: %s", (name, problem) => {
  if (problem === undefined) expect(refNameProblem(name)).toBeUndefined();
  else expect(refNameProblem(name)).toContain(problem);
});

test("normalizeRef and describeRef", () => {
  expect(describeRef(normalizeRef("p", {}))).toBe("the default branch");
  expect(describeRef(normalizeRef("p", { branch: "" }))).toBe("the default branch");
  expect(describeRef(normalizeRef("p", { branch: "main" }))).toBe('branch "main"');
  expect(describeRef(normalizeRef("p", { tag: "v1" }))).toBe('tag "v1"');
  expect(describeRef(normalizeRef("p", { commit: "ABCDEF12" }))).toBe("commit abcdef12");
  expect(() => normalizeRef("p", { tag: "a..b" })).toThrow('project "p": tag "a..b" contains ".."');
});

test.each<[string, string]>([
  ["https://user:pw@gitlab.example.com/g/p.git", "https://gitlab.example.com/g/p.git"],
  ["http://tok@host:8080/p", "http://host:8080/p"],
  ["https://host/p@x", "https://host/p@x"],
  ["/srv/git/p.git", "/srv/git/p.git"],
])("redactUrl(%s) = %s", (url, expected) => {
  expect(redactUrl(url)).toBe(expected);
});

test("locate: local paths, file:// URLs and http(s) remotes; other schemes refused without credentials", () => {
  expect(locate("/srv/p.git", "/base")).toEqual({ kind: "local", path: "/srv/p.git" });
  expect(locate("repos/p", "/base")).toEqual({ kind: "local", path: "/base/repos/p" });
  expect(locate("file:///srv/p.git", "/base")).toEqual({ kind: "local", path: "/srv/p.git" });
  expect(locate("HTTPS://host/p.git", "/base")).toEqual({ kind: "remote", url: "HTTPS://host/p.git" });
  expect(() => locate("ssh://u:pw@host/p.git", "/")).toThrow("unsupported repository URL ssh://host/p.git");
  expect(() => locate("git@host:g/p.git", "/")).toThrow("unsupported repository URL");
});

test("cacheDirName is a safe single folder name, distinct for ids that sanitize alike", () => {
  const a = cacheDirName("group/a_b");
  const b = cacheDirName("group_a/b");
  expect(a).toMatch(/^group_a_b-[0-9a-f]{10}$/);
  expect(b).not.toBe(a);
  expect(cacheDirName("../../etc")).toMatch(/^_[A-Za-z0-9._-]*-[0-9a-f]{10}$/);
});

test.each<[string, string | undefined]>([
  ["a/b.yaml", "a/b.yaml"],
  ["/a/b.yaml", "a/b.yaml"],
  ["a/../b", undefined],
  ["a//b", undefined],
  ["", undefined],
  ["./a", undefined],
])("repoPath(%j) = %j", (p, expected) => {
  const r = repoPath(p);
  if (expected === undefined) expect(r).toHaveProperty("error");
  else expect(r).toEqual({ path: expected });
});
