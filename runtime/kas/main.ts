/**
 * `kas --config kas.yaml`: the server agentk dials; `kas kubeconfig ...`: a CI
 * job's kubeconfig from a running kas (ci-kubeconfig); `kas wait ...`: a CI job
 * waits for the agent to apply a commit (ci-wait). Only wiring lives here.
 */
import { buildInfo, createLogger, formatVersion, logGrpcThroughLogger, logProcessWarnings, parseCommandLine, PROCESS_IO, runMainProcess, usageError, usageOutcome, type CommandIo, type CommandSpec } from "../common";
import { kubeconfigMain } from "./ci-kubeconfig";
import { waitMain } from "./ci-wait";
import { loadKasConfig } from "./config";
import { guardProcess } from "./guard";
import { startKas } from "./kas";

export const KAS_COMMAND = {
  name: "kas",
  usage: "--config <kas.yaml>\n  kas kubeconfig --help\n  kas wait --help",
  summary: "The server agentk dials: serves each agent its configuration and the manifests of its projects from Git, and records what it reports.",
  flags: {
    config: { value: "<kas.yaml>", description: "kas's configuration file: listeners, agents registry, Git sources, limits (required)" },
  },
} as const satisfies CommandSpec;

/** Exit code: 0, 2 on a usage error, 1 on a failure (thrown, e.g. a bad kas.yaml). */
export async function main(argv: readonly string[], io: CommandIo = PROCESS_IO): Promise<number> {
  if (argv[0] === "kubeconfig") return kubeconfigMain(argv.slice(1), "kas kubeconfig", process.env, io);
  if (argv[0] === "wait") return waitMain(argv.slice(1), "kas wait", process.env, io);
  const line = parseCommandLine(KAS_COMMAND, argv);
  if (line.kind !== "run") return usageOutcome(KAS_COMMAND, line, formatVersion(buildInfo()), io);
  const file = line.values.config;
  if (file === undefined) return usageError(KAS_COMMAND, ["--config is required: the path of kas.yaml"], io);
  const config = loadKasConfig(file);
  const logger = createLogger({ level: config.logLevel }, { component: "kas" });
  logProcessWarnings(logger);
  logGrpcThroughLogger(logger, config.logLevel);
  const kas = await startKas(config, { logger });
  const unguard = guardProcess(logger, () => kas.dropDeadConnections());
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  logger.info("kas stopping");
  await kas.close();
  unguard();
  return 0;
}

if (require.main === module) runMainProcess("kas", () => main(process.argv.slice(2)));
