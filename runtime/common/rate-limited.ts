import { F, type LogFields } from "./log-fields";
import type { Level, Logger } from "./logger";

export interface RateLimitedLogOptions {
  /** Lines logged per window, at most. Default 10. */
  readonly perWindow?: number;
  /** Window length. Default 60 s. */
  readonly windowMs?: number;
  readonly now?: () => number;
}

/**
 * A log line that a peer can trigger at will (a refused token, a wrong webhook
 * secret): the first `perWindow` lines of each window are written, the rest
 * only counted, and the next line written says how many were suppressed. An
 * attacker thus cannot flood the log, and the log still says an attack happened.
 */
export function rateLimitedLog(logger: Logger, level: Level, msg: string, options: RateLimitedLogOptions = {}): (fields?: LogFields) => void {
  const perWindow = options.perWindow ?? 10;
  const windowMs = options.windowMs ?? 60_000;
  const now = options.now ?? Date.now;
  let windowStart = -Infinity;
  let written = 0;
  let suppressed = 0;
  return (fields) => {
    const t = now();
    if (t - windowStart >= windowMs) {
      windowStart = t;
      written = 0;
    }
    if (written >= perWindow) {
      suppressed++;
      return;
    }
    written++;
    const extra = suppressed > 0 ? { [F.suppressed]: suppressed } : {};
    suppressed = 0;
    logger[level](msg, { ...fields, ...extra });
  };
}
