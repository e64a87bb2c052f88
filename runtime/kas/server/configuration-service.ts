import * as grpc from "@grpc/grpc-js";
import { F } from "../../common";
import { LIMITS, type ConfigurationRequest, type ConfigurationResponse } from "../../rpc";
import type { ConfigurationHandlers } from "../../rpc";
import { authenticateCall } from "./auth";
import type { AgentConfigParseResult, ServerContext } from "./context";
import { failStream, onCallEnd, toStatus } from "./errors";
import { latestOnly } from "./serial";

export const agentConfigPath = (agentName: string): string => `.gitlab/agents/${agentName}/config.yaml`;

/**
 * GetConfiguration: a long-lived stream that sends the agent's parsed
 * config.yaml each time its configuration project's default branch moves.
 * An invalid file is sent as an error event: the agent keeps its last good config.
 */
export function configurationHandlers(ctx: ServerContext): ConfigurationHandlers {
  return {
    GetConfiguration: (call: grpc.ServerWritableStream<ConfigurationRequest, ConfigurationResponse>) => {
      void serve(ctx, call);
    },
  };
}

async function serve(ctx: ServerContext, call: grpc.ServerWritableStream<ConfigurationRequest, ConfigurationResponse>): Promise<void> {
  let agent;
  try {
    agent = await authenticateCall(ctx.registry, call.metadata);
  } catch (err) {
    return failStream(call, err);
  }
  const log = ctx.logger.with({ [F.agentId]: agent.id, [F.agentName]: agent.name, [F.grpcMethod]: "GetConfiguration" });
  const closed = ctx.tracker.streamOpened(agent);
  let lastCommit = call.request.commit_id || undefined;
  const file = agentConfigPath(agent.name);

  const send = latestOnly<string>(
    async (commit) => {
      if (commit === lastCommit || call.cancelled) return;
      const base = { commit_id: commit, agent_id: agent.id, agent_name: agent.name };
      let parsed: AgentConfigParseResult;
      let found = false;
      try {
        const data = await ctx.git.readFile(agent.configProjectId, commit, file, LIMITS.configFileBytes);
        found = data !== undefined;
        parsed = ctx.parseAgentConfig(data ?? Buffer.alloc(0), { file: `${agent.configProjectId}:${file}`, configProjectId: agent.configProjectId });
      } catch (err) {
        // Unreadable at this commit (over 128 KiB, for one): an error event for this commit, like a parse error.
        if (toStatus(err).code === grpc.status.UNAVAILABLE) throw err;
        parsed = { ok: false, error: err instanceof Error ? err.message : String(err) };
      }
      if (parsed.ok) {
        if (parsed.warnings.length > 0) log.warn("Agent configuration has warnings", { [F.commitId]: commit, [F.warnings]: parsed.warnings });
        call.write({ ...base, configuration: parsed.config, warnings: [...parsed.warnings] });
        ctx.tracker.configSent(agent, commit);
        log.info("Sent agent configuration", { [F.commitId]: commit, [F.file]: found ? file : "(none: defaults)" });
      } else {
        call.write({ ...base, error: { message: parsed.error }, warnings: [] });
        ctx.tracker.configSent(agent, commit, parsed.error);
        log.warn("Invalid agent configuration; the agent keeps its last good one", { [F.commitId]: commit, [F.error]: parsed.error });
      }
      ctx.metrics.counter("kas_configurations_sent_total", "Configurations sent to agents")({ valid: String(parsed.ok) });
      lastCommit = commit;
    },
    // The source went away between the notification and the read: the watcher will tell us again.
    (err) => log.warn("Cannot read agent configuration; will retry on the next change", { [F.error]: err }),
  );
  const unsubscribe = ctx.commits.subscribe(agent.configProjectId, {}, send, (err) =>
    log.warn("Configuration project unavailable; retrying", { [F.projectId]: agent.configProjectId, [F.error]: err.message }),
  );
  onCallEnd(call, () => {
    unsubscribe();
    closed();
  });
}
