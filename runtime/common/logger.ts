import type { LogFields } from "./log-fields";

export type Level = "debug" | "info" | "warn" | "error";
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** JSON-lines logger. Field names come from log-fields.ts only. */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  with(fields: LogFields): Logger;
  setLevel(level: Level): void;
}

export interface LoggerOptions {
  readonly level?: Level;
  /** Where lines go. Default: process.stderr. */
  readonly write?: (line: string) => void;
  readonly now?: () => Date;
}

export function createLogger(options: LoggerOptions = {}, base: LogFields = {}): Logger {
  const state = { level: options.level ?? "info" };
  const write = options.write ?? ((line: string) => void process.stderr.write(line));
  const now = options.now ?? (() => new Date());
  const make = (bound: LogFields): Logger => {
    const emit = (level: Level, msg: string, fields?: LogFields): void => {
      if (ORDER[level] < ORDER[state.level]) return;
      const line = { time: now().toISOString(), level, msg, ...bound, ...fields };
      write(JSON.stringify(line, errorReplacer) + "\n");
    };
    return {
      debug: (m, f) => emit("debug", m, f),
      info: (m, f) => emit("info", m, f),
      warn: (m, f) => emit("warn", m, f),
      error: (m, f) => emit("error", m, f),
      with: (f) => make({ ...bound, ...f }),
      setLevel: (l) => {
        state.level = l;
      },
    };
  };
  return make(base);
}

/** Errors serialize as their message, not `{}`. */
function errorReplacer(_key: string, value: unknown): unknown {
  return value instanceof Error ? value.message : value;
}

/** A logger that drops everything (for tests that do not look at logs). */
export const silentLogger: Logger = createLogger({ write: () => undefined });
