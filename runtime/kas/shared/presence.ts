/** Which kas replicas hold a connection of an agent now (from the shared store; entries expire unless refreshed). */
export interface AgentLocator {
  /** Private API URLs (grpc://host:port) of the OTHER replicas where `agentId` is connected: those with open tunnels first, then those without one open now (forwardOrder); [] when none or the store is unavailable. */
  replicasOf(agentId: string): Promise<readonly string[]>;
}
