import type { AgentMeta, ClusterStatusReport, SyncStatusReport } from "../../rpc";
import type { AgentIdentity } from "./access";
import type { AgentState } from "../shared";
import { boundReport, DEFAULT_REPORT_LIMITS, truncateUtf8, type ReportLimits } from "./report-bounds";

export type { AgentState, ProjectState } from "../shared";

/** The agent writes its meta: a bound keeps a hostile one from storing megabytes per agent. */
export const AGENT_META_BYTES = 256;

/**
 * In-memory view of every agent that has talked to this kas, for /api/v1/agents.
 * What it holds is bounded: one entry per agent the registry knows, one per
 * project the agent may read, each report cut to `limits` (report-bounds.ts).
 */
export class AgentTracker {
  private readonly agents = new Map<string, AgentState>();
  /** Reverse tunnel streams open now, per agent (counted in open_streams too): where the Kubernetes API proxy can reach the agent. */
  private readonly tunnels = new Map<string, number>();
  private changes = 0;
  private readonly listeners: ((agentId: string) => void)[] = [];
  constructor(
    private readonly now: () => Date = () => new Date(),
    private readonly limits: ReportLimits = DEFAULT_REPORT_LIMITS,
  ) {}

  /** Grows on every change, so a serialisation can be cached until the next one. */
  get revision(): number {
    return this.changes;
  }

  /** Calls `listener` with the agent of each change (after it), e.g. to write it through to the shared state. */
  onChange(listener: (agentId: string) => void): void {
    this.listeners.push(listener);
  }

  private changed(agentId: string): void {
    this.changes++;
    for (const l of this.listeners) queueMicrotask(() => l(agentId));
  }

  private touch(agent: AgentIdentity): AgentState {
    this.changed(agent.id);
    const t = this.now().toISOString();
    let s = this.agents.get(agent.id);
    if (!s) {
      s = { id: agent.id, name: agent.name, config_project: agent.configProjectId, open_streams: 0, connected: false, first_seen: t, last_seen: t, projects: {} };
      this.agents.set(agent.id, s);
    }
    s.last_seen = t;
    return s;
  }

  /** Marks a stream (a reverse tunnel: `tunnel`) open; call the returned function when it ends. */
  streamOpened(agent: AgentIdentity, tunnel = false): () => void {
    const s = this.touch(agent);
    s.open_streams++;
    s.connected = true;
    if (tunnel) this.tunnels.set(agent.id, this.tunnelStreams(agent.id) + 1);
    let closed = false;
    return () => {
      if (closed) return;
      closed = true;
      s.open_streams--;
      if (tunnel) {
        const n = this.tunnelStreams(agent.id) - 1;
        if (n > 0) this.tunnels.set(agent.id, n);
        else this.tunnels.delete(agent.id);
      }
      s.connected = s.open_streams > 0;
      s.last_seen = this.now().toISOString();
      this.changed(s.id);
    };
  }

  /** Streams the agent holds open now. */
  openStreams(agentId: string): number {
    return this.agents.get(agentId)?.open_streams ?? 0;
  }

  /** Reverse tunnel streams the agent holds open now. */
  tunnelStreams(agentId: string): number {
    return this.tunnels.get(agentId) ?? 0;
  }

  /** Streams of every agent open now. */
  totalOpenStreams(): number {
    let n = 0;
    for (const s of this.agents.values()) n += s.open_streams;
    return n;
  }

  configSent(agent: AgentIdentity, commit: string, error?: string): void {
    const s = this.touch(agent);
    s.config_commit = commit;
    // The error names what is wrong in a config.yaml the agent's project controls.
    s.config_error = error === undefined ? undefined : truncateUtf8(error, this.limits.maxMessageBytes);
  }

  agentMetaReceived(agent: AgentIdentity, meta: AgentMeta | null | undefined): void {
    const s = this.touch(agent);
    const cut = (v: string | undefined): string => truncateUtf8(v ?? "", AGENT_META_BYTES);
    s.agent_meta = meta ? { version: cut(meta.version), commit_id: cut(meta.commit_id), pod_namespace: cut(meta.pod_namespace), pod_name: cut(meta.pod_name) } : undefined;
  }

  /** Whether the agent reaches its apiserver, as it last said; the error is the agent's, cut to the message bound. */
  clusterReported(agent: AgentIdentity, report: ClusterStatusReport): void {
    const s = this.touch(agent);
    const reachable = report.reachable === true;
    const error = reachable ? "" : truncateUtf8(typeof report.error === "string" && report.error !== "" ? report.error : "unreachable", this.limits.maxMessageBytes);
    s.cluster = { reachable, error, checked_at: this.now().toISOString() };
  }

  objectsSent(agent: AgentIdentity, projectId: string, commit: string): void {
    const s = this.touch(agent);
    (s.projects[projectId] ??= {}).sentCommit = commit;
  }

  statusReported(agent: AgentIdentity, report: SyncStatusReport): void {
    const s = this.touch(agent);
    (s.projects[report.project_id] ??= {}).lastReport = { ...boundReport(report, this.limits), received_at: this.now().toISOString() };
  }

  /** The agent's state, if it has talked to this kas. */
  get(agentId: string): AgentState | undefined {
    return this.agents.get(agentId);
  }

  /** Agents that have talked to this kas. */
  ids(): string[] {
    return [...this.agents.keys()];
  }

  list(): AgentState[] {
    return [...this.agents.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  connectedCount(): number {
    return this.list().filter((a) => a.connected).length;
  }
}
