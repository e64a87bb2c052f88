/** No `redis` in kas.yaml: one replica, and the shared view is this replica's own (kas as before issue 20). */
import { byName } from "./merge";
import type { AgentsView, CommitEntry, CommitsView, LocalState } from "./records";
import type { SharedState, SharedStateFactory } from "./shared-state";

export const memorySharedState: SharedStateFactory = (local) => new MemorySharedState(local);

/** The agents and commits of this replica, read as they are. */
export function localAgentsView(local: LocalState, status: AgentsView["status"]): AgentsView {
  return { status, agents: byName(local.agentIds().flatMap((id) => local.agent(id) ?? [])) };
}

export function localCommitsView(local: LocalState, agentId: string, status: CommitsView["status"]): CommitsView {
  const commits = new Map<string, readonly CommitEntry[]>();
  for (const p of local.commitProjects(agentId)) commits.set(p, local.commitEntries(agentId, p));
  const agent = local.agent(agentId);
  return { status, commits, ...(agent ? { agent } : {}) };
}

class MemorySharedState implements SharedState {
  readonly kind = "memory";
  /** The same view object until the tracker changes: the agents API serialises once per view (a flood of GETs costs nothing more). */
  private view?: { readonly revision: number; readonly value: AgentsView };
  constructor(private readonly local: LocalState) {}
  agentChanged(): void {}
  commitsChanged(): void {}
  agents(): Promise<AgentsView> {
    const revision = this.local.revision();
    if (this.view?.revision !== revision) this.view = { revision, value: localAgentsView(this.local, "memory") };
    return Promise.resolve(this.view.value);
  }
  commits(agentId: string): Promise<CommitsView> {
    return Promise.resolve(localCommitsView(this.local, agentId, "memory"));
  }
  connectedCount(): number {
    return this.local.agentIds().filter((id) => this.local.agent(id)?.connected === true).length;
  }
  /** One replica: no other holds anything. */
  replicasOf(): Promise<readonly string[]> {
    return Promise.resolve([]);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}
