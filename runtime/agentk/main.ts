/**
 * `agentk --kas-address grpc://kas:8150 --token-file /etc/agentk/token`
 * `agentk generate --agent-token T --kas-address A --namespace N [--write-namespace dude ...] [--ca-cert-file ca.pem]`
 * (`--help` lists every flag: flags.ts).
 * Only wiring lives here.
 */
import { readFileSync } from "node:fs";
import * as os from "node:os";
import { buildInfo, createLogger, F, formatVersion, logGrpcThroughLogger, logProcessWarnings, parseCommandLine, PROCESS_IO, runMainProcess, usageError, usageOutcome, type CommandIo } from "../common";
import { startAgent } from "./agent";
import { readCaCert } from "./connection";
import { GENERATE_COMMAND, generateFlags, RUN_COMMAND, runFlags } from "./flags";
import { installObjects, renderYaml } from "./generate";
import { loadClusterAccess } from "./kube";

/** Exit code: 0, 2 on a usage error, 1 on a failure (thrown). */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, io: CommandIo = PROCESS_IO): Promise<number> {
  if (argv[0] === "generate") return generate(argv.slice(1), io);
  const line = parseCommandLine(RUN_COMMAND, argv);
  if (line.kind !== "run") return usageOutcome(RUN_COMMAND, line, formatVersion(buildInfo()), io);
  const flags = runFlags(line.values, env, os.hostname());
  if ("errors" in flags) return usageError(RUN_COMMAND, flags.errors, io);
  const f = flags.ok;
  const token = f.tokenFile !== undefined ? readFileSync(f.tokenFile, "utf8").trim() : env.AGENTK_TOKEN;
  // The token must not linger in the environment, where child processes and crash dumps would see it.
  delete env.AGENTK_TOKEN;
  if (!token) return usageError(RUN_COMMAND, [`the agent token is empty (${f.tokenFile !== undefined ? `--token-file ${f.tokenFile}` : "$AGENTK_TOKEN"})`], io);
  const logger = createLogger({ level: f.logLevel }, { component: "agentk" });
  logProcessWarnings(logger);
  logGrpcThroughLogger(logger, f.logLevel);
  const cluster = await loadClusterAccess({ kubeconfig: f.kubeconfig, env });
  logger.info("Kubernetes API", { [F.url]: cluster.server.origin, [F.file]: cluster.source });
  const agent = await startAgent({
    kasAddress: f.kasAddress,
    token,
    caCert: readCaCert(f.caCertFile),
    cluster,
    namespace: f.namespace,
    podName: f.podName,
    observabilityAddress: f.observabilityAddress,
    leaderElection: f.leaderElection,
    tunnels: f.tunnels,
    allowImpersonation: f.allowImpersonation,
    logger,
  });
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  logger.info("agentk stopping");
  await agent.close();
  return 0;
}

function generate(argv: readonly string[], io: CommandIo): number {
  const line = parseCommandLine(GENERATE_COMMAND, argv);
  if (line.kind !== "run") return usageOutcome(GENERATE_COMMAND, line, formatVersion(buildInfo()), io);
  const options = generateFlags(line.values);
  const errors = "errors" in options ? [...options.errors] : [];
  const caCert = readGenerateCaCert(line.values["ca-cert-file"], errors);
  if ("errors" in options || errors.length > 0) return usageError(GENERATE_COMMAND, errors, io);
  io.out(renderYaml(installObjects({ ...options.ok, caCert })));
  return 0;
}

/** The PEM bundle generate puts in the Secret, so the printed Deployment can verify kas; a bad file is a usage error. */
function readGenerateCaCert(file: string | undefined, errors: string[]): string | undefined {
  if (file === undefined) return undefined;
  try {
    const pem = readFileSync(file, "utf8");
    if (pem.includes("-----BEGIN CERTIFICATE-----")) return pem;
    errors.push(`--ca-cert-file ${JSON.stringify(file)}: found no "-----BEGIN CERTIFICATE-----"; expected a PEM CA bundle`);
  } catch (err) {
    errors.push(`--ca-cert-file ${JSON.stringify(file)}: cannot read: ${err instanceof Error ? err.message : String(err)}`);
  }
  return undefined;
}

if (require.main === module) runMainProcess("agentk", () => main(process.argv.slice(2)));
