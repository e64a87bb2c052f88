import * as path from "node:path";
import { commitFiles, createTag, git, makeRepo, removeDir, setBranch, startGitHttpServer, tempDir, writeLooseZeros, type GitHttpServer } from "../../../test/git";
import { GitSource, RefNotFoundError, SourceUnavailableError } from ".";

let root: string;
let serverRoot: string;
let open: GitHttpServer;
let locked: GitHttpServer;
const PASSWORD = "s3cret-Pa55word";

beforeAll(async () => {
  root = await tempDir();
  serverRoot = path.join(root, "server");
  open = await startGitHttpServer({ root: serverRoot });
  locked = await startGitHttpServer({ root: serverRoot, username: "kas", password: PASSWORD });
});
afterAll(async () => {
  await Promise.all([open.stop(), locked.stop()]);
  await removeDir(root);
});

let n = 0;
/** A fresh bare repository on the server, its URL path, and a source reading it over HTTP. */
async function served(files: Record<string, string>, opts: { server?: GitHttpServer; password?: string } = {}) {
  const name = `group/repo${n++}.git`;
  const dir = path.join(serverRoot, name);
  const first = await makeRepo(dir, files, { bare: true });
  const server = opts.server ?? open;
  const source = new GitSource({
    projects: [{ id: "group/app", url: `${server.url}/${name}`, credentials: opts.password ? { username: "kas", password: opts.password } : undefined }],
    cacheDir: path.join(root, `cache${n}`),
    fetchMaxAgeMs: 0,
  });
  return { dir, first, source, url: `${server.url}/${name}` };
}

test("a remote repository is fetched over smart HTTP: default branch, branches, tags, files", async () => {
  const { dir, first, source } = await served({ "a.yaml": "one" });
  const dev = await commitFiles(dir, { "a.yaml": "dev" }, { branch: "dev" });
  await createTag(dir, "v1", first, { annotated: true });
  expect(await source.resolveRef("group/app")).toBe(first);
  expect(await source.resolveRef("group/app", { branch: "dev" })).toBe(dev);
  expect(await source.resolveRef("group/app", { tag: "v1" })).toBe(first);
  expect(await source.resolveRef("group/app", { commit: dev })).toBe(dev);
  expect((await source.readFile("group/app", dev, "a.yaml", 100))?.toString()).toBe("dev");
  const files = await source.collectFiles("group/app", first, ["**/*.yaml"]);
  expect(files.map((f) => [f.path, f.data.toString()])).toEqual([["a.yaml", "one"]]);
  expect(await source.localGitdir("group/app")).toBeUndefined();
});

test("new commits, force-pushes backwards, moved tags, deleted branches and a new default branch are followed", async () => {
  const { dir, first, source } = await served({ "a.yaml": "one" });
  await createTag(dir, "t", first);
  await source.resolveRef("group/app");
  const second = await commitFiles(dir, { "a.yaml": "two" });
  expect(await source.resolveRef("group/app", { branch: "main" })).toBe(second);
  await setBranch(dir, "main", first); // force-push backwards
  expect(await source.resolveRef("group/app", { branch: "main" })).toBe(first);
  await git(dir, ["tag", "-f", "t", second]);
  expect(await source.resolveRef("group/app", { tag: "t" })).toBe(second);
  const other = await commitFiles(dir, { "b.yaml": "b" }, { branch: "other" });
  await git(dir, ["symbolic-ref", "HEAD", "refs/heads/other"]);
  expect(await source.resolveRef("group/app")).toBe(other);
  await git(dir, ["symbolic-ref", "HEAD", "refs/heads/main"]);
  await git(dir, ["branch", "-D", "other"]);
  await expect(source.resolveRef("group/app", { branch: "other" })).rejects.toThrow(
    new RefNotFoundError("group/app", 'branch "other"', ["main"]),
  );
});

test("fetches are shared within fetchMaxAgeMs, and refresh() forces the next one", async () => {
  const name = `group/repo${n++}.git`;
  const dir = path.join(serverRoot, name);
  await makeRepo(dir, { "a.yaml": "one" }, { bare: true });
  const source = new GitSource({ projects: [{ id: "p", url: `${open.url}/${name}` }], cacheDir: path.join(root, "cache-age"), fetchMaxAgeMs: 60_000 });
  const before = open.requests;
  const [a, b] = await Promise.all([source.resolveRef("p"), source.resolveRef("p", { branch: "main" })]);
  expect(a).toBe(b);
  const afterFirst = open.requests;
  expect(afterFirst).toBeGreaterThan(before);
  const second = await commitFiles(dir, { "a.yaml": "two" });
  expect(await source.resolveRef("p")).toBe(a); // within fetchMaxAgeMs: no fetch
  expect(open.requests).toBe(afterFirst);
  source.refresh("p");
  expect(await source.resolveRef("p")).toBe(second);
});

describe("basic auth", () => {
  test("with the right credentials", async () => {
    const { first, source } = await served({ "a.yaml": "one" }, { server: locked, password: PASSWORD });
    expect(await source.resolveRef("group/app")).toBe(first);
  });

  test.each([
    ["no credentials", undefined, "authentication failed (HTTP 401, no credentials configured)"],
    ["a wrong password", "wrong-" + PASSWORD, "authentication failed (HTTP 401, with the configured credentials)"],
  ])("with %s: a clear error without the password", async (_what, password, reason) => {
    const { source, url } = await served({ "a.yaml": "one" }, { server: locked, password });
    const err = await source.resolveRef("group/app").catch((e: Error) => e);
    expect(err).toBeInstanceOf(SourceUnavailableError);
    expect((err as Error).message).toBe(`project "group/app": repository ${url} is unavailable: ${reason}`);
    expect((err as Error).message).not.toContain(PASSWORD);
  });

  test("credentials in the URL are not shown", async () => {
    const name = `group/repo${n++}.git`;
    const url = `${locked.url.replace("//", `//kas:wrong-${PASSWORD}@`)}/${name}`;
    await makeRepo(path.join(serverRoot, name), { "a.yaml": "x" }, { bare: true });
    const source = new GitSource({ projects: [{ id: "p", url }], cacheDir: path.join(root, "cache-url") });
    const err = await source.resolveRef("p").catch((e: Error) => e);
    expect((err as Error).message).toBe(`project "p": repository ${locked.url}/${name} is unavailable: authentication failed (HTTP 401, with the configured credentials)`);
  });
});

test("an unreachable remote or a missing repository is SourceUnavailableError naming project and url", async () => {
  const gone = await startGitHttpServer({ root: serverRoot });
  await gone.stop();
  const source = new GitSource({
    projects: [
      { id: "down", url: `${gone.url}/x.git`, credentials: { username: "u", password: PASSWORD } },
      { id: "missing", url: `${open.url}/no/such.git` },
    ],
    cacheDir: path.join(root, "cache-down"),
  });
  await expect(source.resolveRef("down")).rejects.toThrow(
    new SourceUnavailableError("down", `${gone.url}/x.git`, "cannot connect (ECONNREFUSED)"),
  );
  await expect(source.resolveRef("missing")).rejects.toThrow(`project "missing": repository ${open.url}/no/such.git is unavailable: repository not found (HTTP 404)`);
});

test("a remote whose pack holds an object over 20 MiB is refused before isomorphic-git inflates it, naming its size; the last fetch stays", async () => {
  const { dir, first, source } = await served({ "a.yaml": "one" });
  expect(await source.resolveRef("group/app")).toBe(first);
  // 64 MiB of zeros: 64 KiB on the wire, 64 MiB in memory for an indexer that inflates it whole.
  const bomb = await writeLooseZeros(dir, 64 * 1024 * 1024);
  await commitFiles(dir, { "bomb.yaml": { blob: bomb } });
  const err = await source.resolveRef("group/app").then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SourceUnavailableError);
  expect((err as Error).message).toMatch(/the fetched pack holds an object of 67108864 bytes, over the limit of 20971520 bytes; nothing fetched/);
  // Nothing of the refused pack was written: the cache still answers with the last commit it has.
  expect(await source.collectFiles("group/app", first, ["**/*.yaml"])).toHaveLength(1);
});
