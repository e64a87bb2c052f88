/**
 * The `ci_access` and `user_access` of each agent as its latest valid config says, for the
 * Kubernetes API proxy. Written by the configuration service each time it
 * parses an agent's config (an invalid file keeps the last good one, as
 * agentk does); one entry per agent kas has served. With several replicas
 * (kas.yaml `redis`), each entry is also written to the shared book, and an
 * agent this replica has not served is looked up there: a CI request for an
 * agent connected to another replica is authorised the same way.
 */
import type { ManifestProject } from "../../rpc";
import type { AccessConfig } from "../agentcfg";
import type { TargetAgent } from "../kubeapi-auth";
import type { SharedAccessBook } from "../shared";
import type { AgentIdentity } from "./access";

export class AgentAccessBook {
  private readonly byId = new Map<string, TargetAgent>();
  private readonly manifests = new Map<string, readonly ManifestProject[]>();

  constructor(private readonly shared?: SharedAccessBook) {}

  private share(agentId: string): void {
    const target = this.byId.get(agentId);
    if (this.shared && target) this.shared.put(agentId, { target, manifests: this.manifests.get(agentId) ?? [] });
  }

  set(agent: AgentIdentity, access: AccessConfig): void {
    const target: TargetAgent = { agent: { id: agent.id, name: agent.name, configProjectPath: agent.configProjectId }, ciAccess: access.ci_access };
    this.byId.set(agent.id, access.user_access === undefined ? target : { ...target, userAccess: access.user_access });
    this.share(agent.id);
  }

  /** The agent's gitops manifest projects as its latest valid config says (for previews: which files to send). */
  setManifestProjects(agentId: string, projects: readonly ManifestProject[]): void {
    this.manifests.set(agentId, projects);
    this.share(agentId);
  }

  /** The agent's manifest project `projectId`, or undefined when its config does not list it (or kas has served no config yet). */
  manifestProject(agentId: string, projectId: string): ManifestProject | undefined {
    return (this.manifests.get(agentId) ?? this.shared?.get(agentId)?.manifests)?.find((p) => p.id === projectId);
  }

  get(agentId: string): TargetAgent | undefined {
    return this.byId.get(agentId) ?? this.shared?.get(agentId)?.target;
  }

  /** As get, and with redis an agent missing from the last view is read from Redis now (it may have connected to another replica a moment ago). */
  async lookup(agentId: string): Promise<TargetAgent | undefined> {
    return this.get(agentId) ?? (await this.shared?.fetch(agentId))?.target;
  }

  /** Every agent kas (or, with redis, any replica) holds a ci_access for (the allowed_agents endpoint judges each). */
  *all(): IterableIterator<TargetAgent> {
    yield* this.byId.values();
    for (const e of this.shared?.all() ?? []) if (!this.byId.has(e.target.agent.id)) yield e.target;
  }
}
