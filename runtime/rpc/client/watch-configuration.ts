import { F, type BackoffOptions, type Logger } from "../../common";
import type { AgentConfiguration } from "../agent-config";
import type { AgentMeta, ConfigurationResponse } from "../messages";
import type { Clients } from "../protocol";
import { configurationProblems } from "./configuration-check";
import { runResilientStream } from "./resilient-stream";

export interface AgentIdentityInfo {
  readonly agentId: string;
  readonly agentName: string;
}

export interface WatchConfigurationOptions {
  /** Clients whose channel carries the agent token (bindAgentToken). */
  readonly clients: Clients;
  readonly meta: AgentMeta;
  readonly logger: Logger;
  readonly signal: AbortSignal;
  readonly backoff?: BackoffOptions;
  readonly onConfiguration: (config: AgentConfiguration, commitId: string, agent: AgentIdentityInfo) => void;
}

/**
 * Follows the agent's configuration: resumes from the last commit received,
 * and on an invalid config.yaml logs kas's error and keeps the last good one.
 */
export function watchConfiguration(opts: WatchConfigurationOptions): Promise<void> {
  let lastCommit = "";
  return runResilientStream<ConfigurationResponse>({
    name: "configuration",
    logger: opts.logger,
    signal: opts.signal,
    backoff: opts.backoff,
    open: () => opts.clients.configuration.GetConfiguration({ commit_id: lastCommit, agent_meta: opts.meta }),
    onMessage: (msg) => {
      lastCommit = msg.commit_id;
      for (const w of msg.warnings) opts.logger.warn("Agent configuration warning", { [F.commitId]: msg.commit_id, [F.message]: w });
      const problems = msg.event === "configuration" && msg.configuration ? configurationProblems(msg.configuration) : [];
      if (msg.event === "configuration" && msg.configuration && problems.length === 0) {
        opts.onConfiguration(msg.configuration, msg.commit_id, { agentId: msg.agent_id, agentName: msg.agent_name });
        return true;
      } else if (problems.length > 0) {
        opts.logger.error("Invalid agent configuration from kas; keeping the last good one", { [F.commitId]: msg.commit_id, [F.error]: problems.join("; ") });
        return true;
      } else {
        opts.logger.error("Invalid agent configuration; keeping the last good one", {
          [F.commitId]: msg.commit_id,
          [F.error]: msg.error?.message ?? "no configuration in the response",
        });
        return true; // kas is working: it judged the config.yaml; retrying sooner would not change its mind
      }
    },
  });
}
