import * as grpc from "@grpc/grpc-js";
import { F } from "../../common";
import type { ConfigurationHandlers, ConfigurationRequest, ConfigurationResponse } from "../../rpc";
import { AgentConfigs, NO_FILE } from "./agent-configs";
import type { AgentIdentity } from "./access";
import { agentStream } from "./agent-handlers";
import type { ServerContext } from "./context";
import type { StreamLife } from "./errors";
import { Semaphore } from "./semaphore";
import { latestOnly } from "./serial";

type Call = grpc.ServerWritableStream<ConfigurationRequest, ConfigurationResponse>;

/**
 * Streams reading (and parsing) their agent's config at once. A commit that
 * changes every agent's file then serves them a few hundred at a time instead
 * of all together at the end, and memory does not grow with the agents.
 * Measured with kas-scale at 5000 agents: 64, 256 and 512 peak alike
 * (~485 MiB); a larger limit takes fewer turns of the event loop and
 * served the last agent sooner, though runs varied by +-0.5 s.
 */
const CONFIG_READS = 256;

export const agentConfigPath = (agentName: string): string => `.gitlab/agents/${agentName}/config.yaml`;

/**
 * GetConfiguration: a long-lived stream that sends the agent's parsed
 * config.yaml each time its configuration project's default branch moves
 * and the file differs from the one this stream last sent (a commit that
 * leaves it as it was sends nothing). An invalid file is sent as an error
 * event: the agent keeps its last good config. Streams read in turns
 * (CONFIG_READS), so the first agents are served while the others wait.
 * Call once per kas: the parse cache and the turns are shared by its streams.
 */
export function configurationHandlers(ctx: ServerContext): ConfigurationHandlers {
  const configs = new AgentConfigs(ctx.git, ctx.parseAgentConfig);
  const turns = new Semaphore(CONFIG_READS);
  return {
    GetConfiguration: agentStream(ctx, "GetConfiguration", (call: Call, agent, life) => serve(ctx, configs, turns, call, agent, life)),
  };
}

async function serve(ctx: ServerContext, configs: AgentConfigs, turns: Semaphore, call: Call, agent: AgentIdentity, life: StreamLife): Promise<void> {
  ctx.tracker.agentMetaReceived(agent, call.request.agent_meta);
  const log = ctx.logger.with({ [F.agentId]: agent.id, [F.agentName]: agent.name, [F.grpcMethod]: "GetConfiguration" });
  const project = agent.configProjectId;
  const file = agentConfigPath(agent.name);
  const sentTotal = ctx.metrics.counter("kas_configurations_sent_total", "Configurations sent to agents", ["valid"]);
  const unchangedTotal = ctx.metrics.counter("kas_configurations_unchanged_total", "Commits that left an agent's config file as last sent: nothing sent");
  let lastCommit = call.request.commit_id || undefined;
  /** The blob this stream last sent (and the error it sent for it); undefined before the first send and after an unreadable file. */
  let sent: { readonly blob: string; readonly error?: string } | undefined;

  const update = async (commit: string): Promise<void> => {
    const at = await configs.at(project, commit, file);
    if ("blob" in at && at.blob === sent?.blob) {
      // The agent has this very file: the commit changes nothing for it.
      ctx.tracker.configSent(agent, commit, sent.error);
      unchangedTotal.inc();
      log.debug("Agent configuration unchanged", { [F.commitId]: commit });
      lastCommit = commit;
      return;
    }
    const parsed = "blob" in at ? await configs.load(project, at.blob, file) : at.unreadable;
    if (call.cancelled) return;
    const base = { commit_id: commit, agent_id: agent.id, agent_name: agent.name };
    if (parsed.ok) {
      if (parsed.warnings.length > 0) log.warn("Agent configuration has warnings", { [F.commitId]: commit, [F.warnings]: parsed.warnings });
      if (parsed.access) ctx.access.set(agent, parsed.access);
      ctx.access.setManifestProjects(agent.id, parsed.config.gitops.manifest_projects);
      call.write({ ...base, configuration: parsed.config, warnings: [...parsed.warnings] });
      ctx.tracker.configSent(agent, commit);
      log.info("Sent agent configuration", { [F.commitId]: commit, [F.file]: "blob" in at && at.blob !== NO_FILE ? file : "(none: defaults)" });
    } else {
      call.write({ ...base, error: { message: parsed.error }, warnings: [] });
      ctx.tracker.configSent(agent, commit, parsed.error);
      log.warn("Invalid agent configuration; the agent keeps its last good one", { [F.commitId]: commit, [F.error]: parsed.error });
    }
    sentTotal.inc({ valid: String(parsed.ok) });
    sent = "blob" in at ? { blob: at.blob, error: parsed.ok ? undefined : parsed.error } : undefined;
    lastCommit = commit;
  };

  const send = latestOnly<string>(
    async (commit) => {
      if (commit === lastCommit || call.cancelled) return;
      await turns.run(() => (call.cancelled ? Promise.resolve() : update(commit)));
    },
    // The source went away between the notification and the read: the watcher will tell us again.
    (err) => log.warn("Cannot read agent configuration; will retry on the next change", { [F.error]: err }),
  );
  life.onEnd(
    ctx.commits.subscribe(project, {}, send, (err) =>
      log.warn("Configuration project unavailable; retrying", { [F.projectId]: project, [F.error]: err.message }),
    ),
  );
}
