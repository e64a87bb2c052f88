/**
 * The `ci_access` and `user_access` of each agent as its latest valid config says, for the
 * Kubernetes API proxy. Written by the configuration service each time it
 * parses an agent's config (an invalid file keeps the last good one, as
 * agentk does); one entry per agent kas has served.
 */
import type { AccessConfig } from "../agentcfg";
import type { TargetAgent } from "../kubeapi-auth";
import type { AgentIdentity } from "./access";

export class AgentAccessBook {
  private readonly byId = new Map<string, TargetAgent>();

  set(agent: AgentIdentity, access: AccessConfig): void {
    const target: TargetAgent = { agent: { id: agent.id, name: agent.name, configProjectPath: agent.configProjectId }, ciAccess: access.ci_access };
    this.byId.set(agent.id, access.user_access === undefined ? target : { ...target, userAccess: access.user_access });
  }

  get(agentId: string): TargetAgent | undefined {
    return this.byId.get(agentId);
  }

  /** Every agent kas holds a ci_access for (the allowed_agents endpoint judges each). */
  all(): IterableIterator<TargetAgent> {
    return this.byId.values();
  }
}
