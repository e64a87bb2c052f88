import type { CommitStatusWire } from "../commit-status";
import type { Poll } from "./ask";
import { waitFlags } from "./flags";
import { waitLoop } from "./loop";
import { resolveAgent } from "../ci-kubeconfig";

const SHA = "0123456789abcdef0123456789abcdef01234567";

describe("flags", () => {
  test("defaults: 10m, 2s, $KAS_ID_TOKEN; the commit lowercased", () => {
    expect(waitFlags({ kas: "https://kas:8156", agent: "ci-agent", commit: SHA.toUpperCase() })).toEqual({
      ok: { kas: "https://kas:8156", agent: "ci-agent", commit: SHA, timeoutMs: 600_000, intervalMs: 2_000, tokenEnv: "KAS_ID_TOKEN" },
    });
  });

  test("every problem named at once", () => {
    const r = waitFlags({ kas: "http://kas", commit: "abc", timeout: "ten", interval: "0s", "token-env": "1X", project: "" });
    expect(r).toEqual({
      errors: [
        '--kas is "http://kas"; expected a URL https:// followed by host[:port], e.g. https://kas.example.com:8150',
        "--agent is required: the agent's name, <config project path>:<name>, or its id",
        '--commit is "abc"; expected a full commit SHA (40 hex digits), e.g. $CI_COMMIT_SHA',
        "--project is empty; expected a manifest project path such as group/manifests",
        '--timeout is "ten"; expected a duration from 1s to 24h such as 10m, 90s or 1h30m',
        '--interval is "0s"; expected a duration from 0.1s to 1h such as 10m, 90s or 1h30m',
        '--token-env is "1X"; expected the name of an environment variable such as KAS_ID_TOKEN',
      ],
    });
  });
});

describe("resolveAgent", () => {
  const agents = [
    { id: "7", name: "ci-agent", configProjectPath: "group/agent-config" },
    { id: "8", name: "ci-agent", configProjectPath: "other/config" },
    { id: "9", name: "solo", configProjectPath: "group/agent-config" },
  ];
  test("by name when one agent has it, by <config project>:<name> always; an ambiguous or unknown one is named with the choices", () => {
    expect(resolveAgent("solo", agents)).toEqual({ id: "9", name: "solo" });
    expect(resolveAgent("other/config:ci-agent", agents)).toEqual({ id: "8", name: "ci-agent" });
    expect(resolveAgent("ci-agent", agents)).toEqual({ error: expect.stringContaining("names 2 agents the job may use (group/agent-config:ci-agent, other/config:ci-agent)") });
    expect(resolveAgent("nope", [], "group/ci-project")).toEqual({ error: "kas does not allow project group/ci-project the agent nope: its ci_access does not admit the job, or there is no such agent. Agents this job may use: none" });
  });
});

describe("waitLoop", () => {
  const base = { agent: { id: "7", name: "ci-agent" }, project: "group/m", commit: SHA };
  const counts = (current: number, pending: number, failed = 0) => ({ objects: current + pending + failed, applied: current + pending, current, pending, failed });
  const result = (state: "in_progress" | "succeeded" | "failed", c: ReturnType<typeof counts>, more: object = {}) => ({ commit: SHA, state, counts: c, objects: [], objects_omitted: 0, updated_at: "t", ...more });
  const answer = (w: Partial<CommitStatusWire> & Pick<CommitStatusWire, "state">): Poll => ({ kind: "answer", answer: { ...base, ...w } });

  async function run(polls: Poll[], timeoutMs = 60_000) {
    let t = 0;
    const printed: string[] = [];
    const outcome = await waitLoop(
      {
        ask: async () => (polls.length > 1 ? polls.shift() : polls[0]) as Poll, // the last answer repeats
        now: () => t,
        sleep: async (ms) => void (t += ms),
        print: (l) => printed.push(l),
      },
      timeoutMs,
      2_000,
    );
    return { outcome, printed };
  }

  test("prints a line when what kas says changes; succeeds when the sync did", async () => {
    const inProgress = answer({ state: "in_progress", result: result("in_progress", counts(1, 1)) });
    const { outcome, printed } = await run([answer({ state: "pending" }), inProgress, inProgress, answer({ state: "succeeded", result: result("succeeded", counts(2, 0)) })]);
    expect(outcome).toEqual({ ok: true });
    expect(printed).toEqual([
      "[0s] pending: 0123456789ab not applied yet (agent ci-agent, project group/m): the agent has reported no sync of this project yet",
      "[2s] in progress: 0123456789ab (agent ci-agent, project group/m): 2 objects: 2 applied, 1 Current, 1 pending",
      "[6s] succeeded: 0123456789ab applied (agent ci-agent, project group/m): 2 objects: 2 applied, 2 Current, 0 pending",
    ]);
  });

  test("a failed sync ends the wait with the failing objects and reasons", async () => {
    const failing = { group: "apps", kind: "Deployment", namespace: "dude", name: "web", status: "Timeout", message: "not Current after 20s" };
    const { outcome } = await run([answer({ state: "failed", result: result("failed", counts(0, 0, 1), { error: "1 resources failed to reconcile before timeout", objects: [failing] }) })]);
    expect(outcome).toEqual({
      ok: false,
      lines: ["failed: 0123456789ab (agent ci-agent, project group/m): 1 resources failed to reconcile before timeout; 1 object: 0 applied, 0 Current, 0 pending, 1 failed", "  Deployment.apps dude/web: Timeout: not Current after 20s"],
    });
  });

  test("a refusal ends it at once; a commit kas cannot place and passing errors are asked again until the time is up", async () => {
    expect((await run([{ kind: "refused", message: "kas refused: 403 no" }])).outcome).toEqual({ ok: false, lines: ["kas refused: 403 no"] });
    const { outcome, printed } = await run([{ kind: "error", message: "cannot reach kas" }, { kind: "not-found", message: "kas: commit not in group/m" }], 10_000);
    expect(outcome).toEqual({ ok: false, lines: ["timed out after 10s: kas: commit not in group/m"] });
    expect(printed).toEqual(["[0s] cannot reach kas", "[2s] kas: commit not in group/m"]);
  });

  test("timed out while in progress: the objects not Current yet", async () => {
    const pendingObj = { group: "", kind: "ConfigMap", namespace: "dude", name: "a", status: "InProgress", message: "" };
    const { outcome } = await run([answer({ state: "in_progress", result: result("in_progress", counts(0, 1), { objects: [pendingObj] }) })], 5_000);
    expect(outcome).toEqual({ ok: false, lines: ["timed out after 5s: in progress: 0123456789ab (agent ci-agent, project group/m): 1 object: 1 applied, 0 Current, 1 pending", "  not Current yet:", "    ConfigMap dude/a: InProgress"] });
  });
});
