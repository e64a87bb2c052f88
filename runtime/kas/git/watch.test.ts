import * as path from "node:path";
import { createLogger, sleep } from "../../common";
import type { GitRef } from "../../rpc/agent-config";
import { commitFiles, git, makeRepo, removeDir, startGitHttpServer, tempDir, type GitHttpServer } from "../../../test/git";
import { GitSource, ProjectWatcher, type WatchedSource } from ".";

let root: string;
let server: GitHttpServer;
beforeAll(async () => {
  root = await tempDir();
  server = await startGitHttpServer({ root: path.join(root, "server") });
});
afterAll(async () => {
  await server.stop();
  await removeDir(root);
});

/** Resolves when `cond()` holds; fails after timeoutMs. */
async function until(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(5);
  }
}

/** Active timers and file watchers of this process, by type. */
function handles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const t of process.getActiveResourcesInfo()) if (t === "Timeout" || t === "FSEventWrap") counts[t] = (counts[t] ?? 0) + 1;
  return counts;
}

let n = 0;
async function remoteRepo(): Promise<{ dir: string; first: string; source: GitSource }> {
  const name = `r${n++}.git`;
  const dir = path.join(root, "server", name);
  const first = await makeRepo(dir, { "a.yaml": "1" }, { bare: true });
  const source = new GitSource({ projects: [{ id: "p", url: `${server.url}/${name}` }], cacheDir: path.join(root, `cache${n}`), fetchMaxAgeMs: 0 });
  return { dir, first, source };
}

test("a commit to a local repository is noticed through its ref files, long before the next poll", async () => {
  const before = handles();
  const dir = path.join(root, "local.git");
  const first = await makeRepo(dir, { "a.yaml": "1" }, { bare: true });
  const source = new GitSource({ projects: [{ id: "p", url: dir }] });
  const watcher = new ProjectWatcher({ source, pollIntervalMs: 60_000, debounceMs: 20 });
  const seen: string[] = [];
  const seenDev: string[] = [];
  watcher.subscribe("p", {}, (c) => seen.push(c));
  watcher.subscribe("p", { branch: "feature/dev" }, (c) => seenDev.push(c));
  await until(() => seen.length === 1);
  expect(seen).toEqual([first]);

  const started = Date.now();
  const second = await commitFiles(dir, { "a.yaml": "2" });
  await until(() => seen.length === 2, 3000);
  expect(Date.now() - started).toBeLessThan(3000);
  expect(seen).toEqual([first, second]);

  await git(dir, ["pack-refs", "--all"]);
  const third = await commitFiles(dir, { "a.yaml": "3" });
  await until(() => seen.length === 3, 3000);
  expect(seen[2]).toBe(third);

  const dev = await commitFiles(dir, { "a.yaml": "dev" }, { branch: "feature/dev" }); // a branch that appears later
  watcher.refresh("p");
  await until(() => seenDev.includes(dev), 3000);

  await watcher.close();
  // libuv releases closed file watchers a few loop turns later (more under load).
  await until(() => JSON.stringify(handles()) === JSON.stringify(before), 2000).catch(() => undefined);
  expect(handles()).toEqual(before);
});

test("a commit to a remote repository is noticed by polling", async () => {
  const { dir, first, source } = await remoteRepo();
  const watcher = new ProjectWatcher({ source, pollIntervalMs: 100 });
  const seen: string[] = [];
  watcher.subscribe("p", { branch: "main" }, (c) => seen.push(c));
  await until(() => seen.length === 1);
  const second = await commitFiles(dir, { "a.yaml": "2" });
  await until(() => seen.length === 2);
  expect(seen).toEqual([first, second]);
  await watcher.close();
});

test("refresh() (the push webhook) checks a remote repository at once", async () => {
  const { dir, first, source } = await remoteRepo();
  const watcher = new ProjectWatcher({ source, pollIntervalMs: 60_000 });
  const seen: string[] = [];
  watcher.subscribe("p", {}, (c) => seen.push(c));
  await until(() => seen.length === 1);
  const second = await commitFiles(dir, { "a.yaml": "2" });
  await sleep(300);
  expect(seen).toEqual([first]); // nothing polls within a minute
  watcher.refresh("p");
  await until(() => seen.length === 2, 3000);
  expect(seen).toEqual([first, second]);
  await watcher.close();
});

test("an unreachable remote: warning logged, errors reported, then recovery when it comes back", async () => {
  const down = await startGitHttpServer({ root: path.join(root, "server") });
  const first = await makeRepo(path.join(root, "server", "flaky.git"), { "a.yaml": "1" }, { bare: true });
  const source = new GitSource({ projects: [{ id: "g/flaky", url: `${down.url}/flaky.git` }], cacheDir: path.join(root, "cache-flaky") });
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ write: (l) => void lines.push(JSON.parse(l) as Record<string, unknown>) });
  const watcher = new ProjectWatcher({ source, pollIntervalMs: 100, backoff: { initialMs: 20, maxMs: 80, jitter: 0 }, logger });
  const seen: string[] = [];
  const errors: Error[] = [];
  watcher.subscribe("g/flaky", {}, (c) => seen.push(c), (e) => errors.push(e));
  await until(() => seen.length === 1);

  await down.stop();
  await until(() => errors.length >= 3);
  expect(errors[0]?.message).toBe(`project "g/flaky": repository ${down.url}/flaky.git is unavailable: cannot connect (ECONNREFUSED)`);
  const warnings = lines.filter((l) => l.level === "warn");
  expect(warnings[0]).toMatchObject({ msg: "Git source check failed, retrying", project_id: "g/flaky", attempt: 1, retry_in_ms: 20 });
  expect(warnings[2]).toMatchObject({ attempt: 3, retry_in_ms: 80 });

  const second = await commitFiles(path.join(root, "server", "flaky.git"), { "a.yaml": "2" });
  await down.start();
  await until(() => seen.length === 2);
  expect(seen).toEqual([first, second]);
  expect(lines.some((l) => l.msg === "Git source available again" && l.project_id === "g/flaky")).toBe(true);
  await watcher.close();
  await down.stop();
});

describe("with a scripted source", () => {
  /** A source whose commit and failure the test sets; counts resolveRef calls. */
  function scripted(): WatchedSource & { commit: string; fail?: Error; calls: number; refreshed: string[] } {
    const s = {
      commit: "c1",
      fail: undefined as Error | undefined,
      calls: 0,
      refreshed: [] as string[],
      async resolveRef(_p: string, _r: GitRef) {
        s.calls++;
        if (s.fail) throw s.fail;
        return s.commit;
      },
      refresh: (p: string) => void s.refreshed.push(p),
      localGitdir: async () => undefined,
    };
    return s;
  }

  test("subscribers of one (project, ref) share one loop; a late one gets the current commit at once", async () => {
    const source = scripted();
    const watcher = new ProjectWatcher({ source, pollIntervalMs: 60_000 });
    const a: string[] = [];
    const b: string[] = [];
    watcher.subscribe("p", { branch: "main" }, (c) => a.push(c));
    await until(() => a.length === 1);
    watcher.subscribe("p", { branch: "main" }, (c) => b.push(c));
    await until(() => b.length === 1);
    expect(source.calls).toBe(1);
    source.commit = "c2";
    watcher.refresh("p");
    await until(() => a.length === 2 && b.length === 2);
    expect([a, b, source.calls, source.refreshed]).toEqual([["c1", "c2"], ["c1", "c2"], 2, ["p"]]);
    watcher.refresh("other"); // nobody watches it: nothing happens
    expect(source.refreshed).toEqual(["p"]);
    await watcher.close();
    expect(() => watcher.subscribe("p", {}, () => undefined)).toThrow("closed");
  });

  test("GIVEN a coordinator (several replicas) THEN a remote is polled only while this replica holds the lease; a new commit it polls is announced; a refresh still checks", async () => {
    const source = scripted();
    let lease = false;
    const asked: string[] = [];
    const announced: string[] = [];
    const released: string[] = [];
    const coordinator = { mayPoll: (k: string) => (asked.push(k), lease), release: (k: string) => void released.push(k), newCommit: (p: string) => void announced.push(p) };
    const watcher = new ProjectWatcher({ source, pollIntervalMs: 10, coordinator });
    const seen: string[] = [];
    const stop = watcher.subscribe("p", { branch: "main" }, (c) => seen.push(c));
    await until(() => seen.length === 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(source.calls).toBe(1); // no lease: no poll
    source.commit = "c2";
    watcher.refresh("p"); // another replica's word
    await until(() => seen.length === 2);
    expect(announced).toEqual([]); // a refresh is not announced again
    lease = true;
    source.commit = "c3";
    await until(() => seen.length === 3);
    expect(announced).toEqual(["p"]);
    stop();
    await until(() => released.length === 1);
    expect(new Set([...asked, ...released])).toEqual(new Set(['p\nbranch "main"']));
    await watcher.close();
  });

  test("the last unsubscribe stops the loop; a throwing listener does not stop the others", async () => {
    const source = scripted();
    const watcher = new ProjectWatcher({ source, pollIntervalMs: 10 });
    const seen: string[] = [];
    const stopThrower = watcher.subscribe("p", {}, () => {
      throw new Error("listener bug");
    });
    const stop = watcher.subscribe("p", {}, (c) => seen.push(c));
    await until(() => seen.length === 1);
    stopThrower();
    stop();
    await sleep(30);
    const calls = source.calls;
    await sleep(50);
    expect(source.calls).toBe(calls);
    await watcher.close();
  });

  test("a failing source: a new subscriber hears the current error", async () => {
    const source = scripted();
    source.fail = new Error("boom");
    const watcher = new ProjectWatcher({ source, pollIntervalMs: 60_000, backoff: { initialMs: 60_000 } });
    const first: Error[] = [];
    watcher.subscribe("p", {}, () => undefined, (e) => first.push(e));
    await until(() => first.length === 1);
    const late: Error[] = [];
    watcher.subscribe("p", {}, () => undefined, (e) => late.push(e));
    await until(() => late.length === 1);
    expect(late[0]?.message).toBe("boom");
    await watcher.close();
  });
});
