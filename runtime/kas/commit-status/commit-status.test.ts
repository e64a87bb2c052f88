import { commitNotFound, commitStatusPath, describeCommitStatus, describeObjects, isCommitNotFound, parseCommitStatus, parseCommitStatusQuery, type CommitStatusWire } from "./index";

const SHA = "0123456789abcdef0123456789abcdef01234567";
const LATER = "fedcba9876543210fedcba9876543210fedcba98";
const answer: CommitStatusWire = {
  agent: { id: "7", name: "ci-agent" },
  project: "group/m",
  commit: SHA,
  state: "failed",
  result: {
    commit: LATER,
    state: "failed",
    counts: { objects: 2, applied: 1, current: 0, pending: 0, failed: 2 },
    error: "2 resources failed",
    objects: [{ group: "", kind: "ConfigMap", namespace: "naww", name: "x", status: "ApplyFailed", message: "ConfigMap naww/x: Forbidden: forbidden" }],
    objects_omitted: 1,
    updated_at: "2026-01-01T00:00:00.000Z",
  },
  sent_commit: LATER,
};

test("the query kas reads is the one the client writes; a bad commit or an empty project is named", () => {
  expect(parseCommitStatusQuery(commitStatusPath(SHA, "group/m"))).toEqual({ ok: true, commit: SHA, project: "group/m" });
  expect(parseCommitStatusQuery(commitStatusPath(SHA.toUpperCase()))).toEqual({ ok: true, commit: SHA });
  expect(parseCommitStatusQuery(commitStatusPath("abc123"))).toEqual({ ok: false, reason: 'query parameter commit is "abc123"; expected a full commit SHA (40 hex digits, e.g. $CI_COMMIT_SHA)' });
  expect(parseCommitStatusQuery(`/.kas/v1/commit_status?commit=${SHA}&project=`)).toMatchObject({ ok: false, reason: expect.stringContaining("project is empty") });
});

test("an answer round-trips through JSON; a field not as expected is named", () => {
  expect(parseCommitStatus(JSON.parse(JSON.stringify(answer)))).toEqual({ ok: true, value: answer });
  expect(parseCommitStatus({ ...answer, state: "done" })).toEqual({ ok: false, reason: "state: expected one of pending, in_progress, succeeded, failed" });
  expect(parseCommitStatus({ ...answer, result: { ...answer.result, counts: { objects: -1 } } })).toMatchObject({ ok: false, reason: expect.stringMatching(/^result\.counts:/) });
  expect(parseCommitStatus({ ...answer, result: { ...answer.result, objects: [{ name: 1 }] } })).toMatchObject({ ok: false, reason: expect.stringMatching(/^result\.objects\[0\]:/) });
});

test("kas's 404 for a commit is told from any other 404", () => {
  expect(isCommitNotFound(commitNotFound(SHA, "kas: commit not in group/m"))).toBe(true);
  expect(isCommitNotFound({ kind: "Status", message: "404 page not found" })).toBe(false);
});

test("in words: the state, the later commit that answers, the counts; the failing objects", () => {
  expect(describeCommitStatus(answer)).toBe(`failed: 0123456789ab (in later commit fedcba987654) (agent ci-agent, project group/m): 2 resources failed; 2 objects: 1 applied, 0 Current, 0 pending, 2 failed`);
  // agentk's message names the object too: once is enough.
  expect(describeObjects(answer.result!)).toEqual(["ConfigMap naww/x: ApplyFailed: Forbidden: forbidden", "... and 1 more"]);
  expect(describeCommitStatus({ agent: answer.agent, project: "group/m", commit: SHA, state: "pending", latest: { commit: LATER, state: "in_progress" } })).toBe(
    "pending: 0123456789ab not applied yet (agent ci-agent, project group/m): the agent last reported fedcba987654 (in progress)",
  );
});
