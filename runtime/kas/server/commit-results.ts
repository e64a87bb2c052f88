/**
 * Per-commit sync results of each agent's manifest projects, for
 * `GET /.kas/v1/commit_status` (`gitops-agent wait`). Beside AgentTracker,
 * which keeps only the last report: here the last `maxCommits` commits of
 * each project, each summarised (commit-summary.ts), newest first. Bounded:
 * agents as the registry knows them, projects as each may read (the status
 * service checks), commits per project, and each summary.
 */
import type { SyncStatusReport } from "../../rpc";
import type { ReportedCommitWire } from "../commit-status";
import type { CommitEntry } from "../shared";
import { DEFAULT_COMMIT_SUMMARY_LIMITS, summarizeReport, type CommitSummaryLimits } from "./commit-summary";

export interface CommitResultsLimits extends CommitSummaryLimits {
  /** Commits kept per agent and project; the oldest reported goes first. */
  readonly maxCommits: number;
}

export const DEFAULT_COMMIT_RESULTS_LIMITS: CommitResultsLimits = { ...DEFAULT_COMMIT_SUMMARY_LIMITS, maxCommits: 20 };

type Entry = CommitEntry;

export class CommitResults {
  /** agent id -> project -> entries, newest last. */
  private readonly byAgent = new Map<string, Map<string, Entry[]>>();
  private readonly listeners: ((agentId: string, projectId: string) => void)[] = [];

  constructor(
    private readonly limits: CommitResultsLimits = DEFAULT_COMMIT_RESULTS_LIMITS,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Calls `listener` after each recorded result (to write it through to the shared state). */
  onChange(listener: (agentId: string, projectId: string) => void): void {
    this.listeners.push(listener);
  }

  record(agentId: string, report: SyncStatusReport): void {
    let projects = this.byAgent.get(agentId);
    if (!projects) this.byAgent.set(agentId, (projects = new Map()));
    let entries = projects.get(report.project_id);
    if (!entries) projects.set(report.project_id, (entries = []));
    const startedAt = Number(report.started_at_unix_ms) || 0;
    const i = entries.findIndex((e) => e.result.commit === report.commit_id);
    const old = entries[i];
    // gRPC calls may overtake one another: a progress report never replaces a later run, nor the final report of its own.
    if (old && report.in_progress === true && (old.startedAt > startedAt || (old.startedAt === startedAt && old.result.state !== "in_progress"))) return;
    if (i >= 0) entries.splice(i, 1);
    const finishedAt = report.in_progress === true ? 0 : Number(report.finished_at_unix_ms) || 0;
    entries.push({ result: summarizeReport(report, this.now().toISOString(), this.limits), startedAt, ...(finishedAt > 0 ? { finishedAt } : {}) });
    if (entries.length > this.limits.maxCommits) entries.splice(0, entries.length - this.limits.maxCommits);
    for (const l of this.listeners) l(agentId, report.project_id);
  }

  /** The project's entries, oldest first (what the shared state stores). */
  entries(agentId: string, projectId: string): readonly CommitEntry[] {
    return this.byAgent.get(agentId)?.get(projectId) ?? [];
  }

  /** Commits kept per project. */
  get maxCommits(): number {
    return this.limits.maxCommits;
  }

  /** The project's reported commits, newest first. */
  history(agentId: string, projectId: string): readonly ReportedCommitWire[] {
    return [...(this.byAgent.get(agentId)?.get(projectId) ?? [])].reverse().map((e) => e.result);
  }

  /** Projects the agent has reported on. */
  projects(agentId: string): string[] {
    return [...(this.byAgent.get(agentId)?.keys() ?? [])];
  }
}
