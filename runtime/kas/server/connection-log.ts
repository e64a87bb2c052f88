import { F } from "../../common";
import type { AgentIdentity } from "./access";
import type { ServerContext } from "./context";

/**
 * Counts a stream for its agent in the tracker, and says when the agent comes
 * and goes: "Agent connected" at its first open stream, "Agent disconnected"
 * when its last one ends (an agent holds one configuration stream and one per
 * manifest project, so a line per stream would say little). Returns what to
 * call when the stream ends.
 */
/** The reverse tunnel's method, as the tunnel service names it (its streams are where the agent can be reached). */
export const TUNNEL_CONNECT_METHOD = "ReverseTunnelService/Connect";

export function trackAgentStream(ctx: Pick<ServerContext, "tracker" | "logger">, agent: AgentIdentity, peer: string, method: string): () => void {
  const first = ctx.tracker.openStreams(agent.id) === 0;
  const closeStream = ctx.tracker.streamOpened(agent, method === TUNNEL_CONNECT_METHOD);
  const fields = { [F.agentId]: agent.id, [F.agentName]: agent.name, [F.peer]: peer, [F.grpcMethod]: method };
  if (first) ctx.logger.info("Agent connected", fields);
  let ended = false;
  return () => {
    if (ended) return;
    ended = true;
    closeStream();
    if (ctx.tracker.openStreams(agent.id) === 0) ctx.logger.info("Agent disconnected", fields);
  };
}
