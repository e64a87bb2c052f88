import { F } from "./log-fields";
import type { Logger } from "./logger";

/** The part of `process` that warnings use (a test passes its own emitter). */
export interface WarningSource {
  removeAllListeners(event: "warning"): unknown;
  on(event: "warning", listener: (warning: Error) => void): unknown;
  off(event: "warning", listener: (warning: Error) => void): unknown;
}

/**
 * Node prints process warnings (process.emitWarning: deprecations, and the yaml
 * library's "Keys with collection values will be stringified" on a Helm
 * template) raw to stderr as `(node:123) Warning: ...`, a line that breaks
 * whoever parses our JSON logs. Node's printer is itself a 'warning' listener:
 * it is removed for the life of the process and each warning becomes one log
 * line. Returns a function that removes ours (Node's does not come back).
 */
export function logProcessWarnings(logger: Logger, proc: WarningSource = process): () => void {
  const onWarning = (warning: Error): void => {
    const code = (warning as NodeJS.ErrnoException).code;
    logger.warn("Process warning", { [F.reason]: code ? `${warning.name} ${code}` : warning.name, [F.message]: warning.message });
  };
  proc.removeAllListeners("warning");
  proc.on("warning", onWarning);
  return () => void proc.off("warning", onWarning);
}
