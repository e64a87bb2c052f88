/**
 * kas's answer to commit_status from what it holds, never asking the agent:
 * the manifest project whose repository has the commit, the newest reported
 * commit that is it or contains it (git ancestry), and that report's state;
 * pending when none does yet. Git is reached only through `git` (the local or
 * already fetched repository), so the logic is tested with a fake history.
 */
import type { CommitStatusWire, ReportedCommitWire } from "../commit-status";

export interface CommitAnswerInput {
  readonly agent: { readonly id: string; readonly name: string };
  readonly commit: string;
  /** The project the caller named, if any. */
  readonly project?: string;
  /** The agent's manifest projects (those it follows), in a stable order. */
  readonly projects: readonly string[];
  /** Reported commits of a project, newest first. */
  history(project: string): readonly ReportedCommitWire[];
  /** The commit kas last sent the agent for a project. */
  sentCommit(project: string): string | undefined;
  readonly git: CommitAncestry;
}

export interface CommitAncestry {
  /** Whether the project's repository holds `commit` (as kas has it now). */
  hasCommit(project: string, commit: string): Promise<boolean>;
  /** Whether `ancestor` is reachable from `descendant` (a bounded walk: false past the bound). */
  isAncestor(project: string, ancestor: string, descendant: string): Promise<boolean>;
}

export type CommitAnswer = { readonly found: CommitStatusWire } | { readonly notFound: string };

export async function answerCommitStatus(input: CommitAnswerInput): Promise<CommitAnswer> {
  const { commit, projects } = input;
  const list = projects.length === 0 ? "it follows none yet (has it connected and read its configuration?)" : `it follows ${projects.join(", ")}`;
  if (input.project !== undefined && !projects.includes(input.project)) {
    return { notFound: `kas: project ${input.project} is not a manifest project of agent ${input.agent.name}: ${list}` };
  }
  for (const project of input.project === undefined ? projects : [input.project]) {
    if (await input.git.hasCommit(project, commit)) return { found: await answerFor(input, project) };
  }
  const where = input.project === undefined ? `any manifest project of agent ${input.agent.name} (${list})` : `project ${input.project}`;
  return { notFound: `kas: commit ${commit} is not in ${where} as kas has it now (not pushed yet, or not fetched yet: kas polls)` };
}

async function answerFor(input: CommitAnswerInput, project: string): Promise<CommitStatusWire> {
  const history = input.history(project);
  const sent = input.sentCommit(project);
  const base = { agent: input.agent, project, commit: input.commit, ...(sent === undefined ? {} : { sent_commit: sent }) };
  for (const r of history) {
    if (r.commit === input.commit || (await input.git.isAncestor(project, input.commit, r.commit))) return { ...base, state: r.state, result: r };
  }
  const latest = history[0];
  return { ...base, state: "pending", ...(latest === undefined ? {} : { latest: { commit: latest.commit, state: latest.state } }) };
}
