import type { ObjectStatus, SyncStatusReport } from "../../rpc";
import { answerCommitStatus, type CommitAncestry } from "./commit-answer";
import { CommitResults } from "./commit-results";
import { summarizeReport } from "./commit-summary";

const obj = (name: string, status: string, namespace = "dude", kind = "ConfigMap", group = ""): ObjectStatus => ({ group, version: "", kind, namespace, name, status, message: `${name} is ${status}` });
const report = (commit: string, objects: ObjectStatus[], more: Partial<SyncStatusReport> = {}): SyncStatusReport => ({
  project_id: "group/m",
  commit_id: commit,
  success: true,
  error: "",
  objects,
  started_at_unix_ms: 1,
  finished_at_unix_ms: 2,
  ...more,
});
const AT = "2026-01-01T00:00:00.000Z";

describe("summarizeReport", () => {
  test("counts applied, Current, pending and failed; pruned objects are not the commit's; failed objects first", () => {
    const s = summarizeReport(
      report("c1", [obj("a", "Current"), obj("b", "InProgress"), obj("web", "Timeout", "dude", "Deployment", "apps"), obj("x", "ApplyFailed", "naww"), obj("old", "Pruned")], { success: false, error: "2 resources failed" }),
      AT,
    );
    expect(s).toEqual({
      commit: "c1",
      state: "failed",
      counts: { objects: 4, applied: 3, current: 1, pending: 1, failed: 2 },
      error: "2 resources failed",
      objects: [
        { group: "apps", kind: "Deployment", namespace: "dude", name: "web", status: "Timeout", message: "web is Timeout" },
        { group: "", kind: "ConfigMap", namespace: "naww", name: "x", status: "ApplyFailed", message: "x is ApplyFailed" },
        { group: "", kind: "ConfigMap", namespace: "dude", name: "b", status: "InProgress", message: "b is InProgress" },
      ],
      objects_omitted: 0,
      updated_at: AT,
    });
  });

  test("in progress, succeeded; objects not Current beyond the bound are counted; a failure without an error still says so", () => {
    const many = Array.from({ length: 30 }, (_, i) => obj(`o${i}`, "Applied"));
    const progress = summarizeReport(report("c1", many, { in_progress: true, success: false }), AT);
    expect(progress).toMatchObject({ state: "in_progress", counts: { objects: 30, applied: 30, pending: 30 }, objects_omitted: 10 });
    expect(progress.objects).toHaveLength(20);
    expect(summarizeReport(report("c1", [obj("a", "Current")]), AT)).toMatchObject({ state: "succeeded", objects: [] });
    expect(summarizeReport(report("c1", [], { success: false }), AT)).toMatchObject({ state: "failed", error: "the sync failed" });
  });
});

describe("CommitResults", () => {
  test("keeps the last maxCommits commits per project, newest first; a commit reported again moves to the front", () => {
    const r = new CommitResults({ maxCommits: 3, maxObjects: 5, maxMessageBytes: 100, maxFieldBytes: 64 }, () => new Date(AT));
    for (const c of ["c1", "c2", "c3", "c4"]) r.record("7", report(c, []));
    expect(r.history("7", "group/m").map((e) => e.commit)).toEqual(["c4", "c3", "c2"]);
    r.record("7", report("c2", [], { started_at_unix_ms: 5 }));
    expect(r.history("7", "group/m").map((e) => e.commit)).toEqual(["c2", "c4", "c3"]);
    expect(r.projects("7")).toEqual(["group/m"]);
    expect(r.history("8", "group/m")).toEqual([]);
  });

  test("a progress report that arrives after its run's final report, or of an earlier run, is ignored; one of a new run counts", () => {
    const r = new CommitResults();
    r.record("7", report("c1", [obj("a", "Applied")], { in_progress: true, started_at_unix_ms: 10 }));
    expect(r.history("7", "group/m")[0]?.state).toBe("in_progress");
    r.record("7", report("c1", [obj("a", "Current")], { started_at_unix_ms: 10 }));
    r.record("7", report("c1", [obj("a", "Applied")], { in_progress: true, started_at_unix_ms: 10 }));
    r.record("7", report("c1", [obj("a", "Applied")], { in_progress: true, started_at_unix_ms: 9 }));
    expect(r.history("7", "group/m")[0]?.state).toBe("succeeded");
    r.record("7", report("c1", [obj("a", "Applied")], { in_progress: true, started_at_unix_ms: 20 }));
    expect(r.history("7", "group/m")[0]?.state).toBe("in_progress");
  });
});

describe("answerCommitStatus", () => {
  // c1 <- c2 <- c3 in group/m; x1 elsewhere.
  const parents: Record<string, string> = { c2: "c1", c3: "c2" };
  const git: CommitAncestry = {
    hasCommit: async (project, commit) => project === "group/m" && ["c1", "c2", "c3"].includes(commit),
    isAncestor: async (_p, ancestor, descendant) => {
      for (let c: string | undefined = parents[descendant]; c !== undefined; c = parents[c]) if (c === ancestor) return true;
      return false;
    },
  };
  const results = new CommitResults(undefined, () => new Date(AT));
  const input = (commit: string, more: { project?: string; projects?: string[] } = {}) => ({
    agent: { id: "7", name: "ci-agent" },
    commit,
    projects: more.projects ?? ["group/other", "group/m"],
    ...(more.project === undefined ? {} : { project: more.project }),
    history: (p: string) => results.history("7", p),
    sentCommit: (p: string) => (p === "group/m" ? "c3" : undefined),
    git,
  });

  test("pending before any report, saying what the agent is at; then the commit's own report; then a later commit's that contains it", async () => {
    expect(await answerCommitStatus(input("c2"))).toEqual({ found: { agent: { id: "7", name: "ci-agent" }, project: "group/m", commit: "c2", state: "pending", sent_commit: "c3" } });
    results.record("7", report("c1", [obj("a", "Current")]));
    expect(await answerCommitStatus(input("c2"))).toMatchObject({ found: { state: "pending", latest: { commit: "c1", state: "succeeded" } } });
    results.record("7", report("c2", [obj("a", "Applied")], { in_progress: true }));
    expect(await answerCommitStatus(input("c2"))).toMatchObject({ found: { state: "in_progress", result: { commit: "c2" } } });
    results.record("7", report("c3", [obj("a", "ApplyFailed", "naww")], { success: false, error: "1 resources failed" }));
    expect(await answerCommitStatus(input("c2"))).toMatchObject({ found: { state: "failed", result: { commit: "c3", error: "1 resources failed" } } });
    // c1's own answer is c3's too: the newest report that contains it.
    expect(await answerCommitStatus(input("c1"))).toMatchObject({ found: { state: "failed", result: { commit: "c3" } } });
  });

  test("a commit in none of the agent's projects, or a project not its own: notFound, naming them", async () => {
    expect(await answerCommitStatus(input("x1"))).toEqual({ notFound: "kas: commit x1 is not in any manifest project of agent ci-agent (it follows group/other, group/m) as kas has it now (not pushed yet, or not fetched yet: kas polls)" });
    expect(await answerCommitStatus(input("c1", { project: "group/else" }))).toEqual({ notFound: "kas: project group/else is not a manifest project of agent ci-agent: it follows group/other, group/m" });
    expect(await answerCommitStatus(input("c1", { projects: [] }))).toMatchObject({ notFound: expect.stringContaining("it follows none yet") });
    expect(await answerCommitStatus(input("c1", { project: "group/m" }))).toMatchObject({ found: { project: "group/m" } });
  });
});
