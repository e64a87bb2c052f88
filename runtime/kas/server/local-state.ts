/** This replica's own state (AgentTracker, CommitResults) as the shared-state stores read it. */
import type { LocalState } from "../shared";
import type { AgentTracker } from "./agent-tracker";
import type { CommitResults } from "./commit-results";

export function localStateOf(tracker: AgentTracker, results: CommitResults): LocalState {
  return {
    agent: (id) => tracker.get(id),
    agentIds: () => tracker.ids(),
    revision: () => tracker.revision,
    tunnelStreams: (id) => tracker.tunnelStreams(id),
    commitEntries: (id, project) => results.entries(id, project),
    commitProjects: (id) => results.projects(id),
    maxCommits: results.maxCommits,
  };
}
