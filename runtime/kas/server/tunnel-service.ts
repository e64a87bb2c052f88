import { F } from "../../common";
import type { TunnelHandlers } from "../../rpc";
import { AgentTunnel } from "../tunnel";
import { agentBidi } from "./agent-handlers";
import type { ServerContext } from "./context";
import { resourceExhausted } from "./errors";
import { TUNNEL_CONNECT_METHOD } from "./connection-log";

/** How long a new tunnel may take to register before kas ends it. */
const REGISTER_TIMEOUT_MS = 30_000;

/**
 * ReverseTunnelService.Connect: an authenticated, admitted agent stream (so a
 * revoked token ends it, and it counts toward max_streams_per_agent) that
 * registers, then waits in the registry for one request.
 */
export function tunnelHandlers(ctx: ServerContext): TunnelHandlers {
  return {
    Connect: agentBidi(ctx, TUNNEL_CONNECT_METHOD, async (call, agent, life) => {
      const tunnel = new AgentTunnel(agent.id, call, life);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_r, reject) => {
        timer = setTimeout(() => reject(new Error(`no register message within ${REGISTER_TIMEOUT_MS} ms`)), REGISTER_TIMEOUT_MS);
      });
      try {
        await Promise.race([tunnel.accept(), timeout]);
      } finally {
        clearTimeout(timer);
      }
      if (!ctx.tunnels.offer(tunnel)) {
        throw resourceExhausted(
          `agent ${agent.name} already has ${ctx.tunnels.counts(agent.id).idle} idle tunnels; at most ${ctx.limits.maxIdleTunnelsPerAgent} (agent_connections.max_idle_tunnels_per_agent in kas config)`,
        );
      }
      ctx.logger.debug("Agent tunnel registered", { [F.agentId]: agent.id, [F.agentName]: agent.name });
    }),
  };
}
