/**
 * `kas --config kas.yaml`: the server agentk dials. Only wiring lives here.
 */
import { createLogger, logGrpcThroughLogger, logProcessWarnings } from "../common";
import { loadKasConfig } from "./config";
import { guardProcess } from "./guard";
import { startKas } from "./kas";

const USAGE = "usage: kas --config <kas.yaml>";

export async function main(argv: readonly string[]): Promise<number> {
  const i = argv.indexOf("--config");
  const file = i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith("--config="))?.slice("--config=".length);
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!file) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
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

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`kas: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
