import { format } from "node:util";
import * as grpc from "@grpc/grpc-js";
import { F } from "./log-fields";
import type { Level, Logger } from "./logger";

const VERBOSITY: Record<Level, grpc.logVerbosity> = {
  debug: grpc.logVerbosity.DEBUG,
  // grpc-js's default is ERROR; its INFO lines are connection chatter.
  info: grpc.logVerbosity.ERROR,
  warn: grpc.logVerbosity.ERROR,
  error: grpc.logVerbosity.ERROR,
};

/**
 * grpc-js writes its own lines ("E 2026-... | v1.14.7 1 | subchannel | ...",
 * and every GRPC_TRACE line) raw to the console, which breaks whoever parses
 * our JSON logs. Each becomes one line of `logger`, msg "grpc-js", the text in
 * `message`. The verbosity follows `level` unless GRPC_VERBOSITY (or
 * GRPC_NODE_VERBOSITY) says otherwise, as grpc-js documents. The logger is
 * process-wide in grpc-js: the entry points call this once.
 */
export function logGrpcThroughLogger(logger: Logger, level: Level, env: NodeJS.ProcessEnv = process.env): void {
  const line =
    (at: Level) =>
    (message?: unknown, ...rest: unknown[]): void =>
      logger[at]("grpc-js", { [F.message]: format(message, ...rest) });
  grpc.setLogger({ error: line("error"), info: line("info"), debug: line("debug") });
  if (env.GRPC_VERBOSITY === undefined && env.GRPC_NODE_VERBOSITY === undefined) grpc.setLogVerbosity(VERBOSITY[level]);
}
