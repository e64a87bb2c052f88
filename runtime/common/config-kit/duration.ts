/**
 * Durations as the GitLab agent config writes them. GitLab decodes them as
 * protobuf Durations ("3600s", "1.5s"); Go's time.ParseDuration syntax
 * ("1h30m", "500ms") is a superset of that and is what people type, so both work.
 */

const UNIT_SECONDS: Readonly<Record<string, number>> = {
  ns: 1e-9,
  us: 1e-6,
  "\u00b5s": 1e-6, // micro sign
  "\u03bcs": 1e-6, // Greek mu
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
};

const TERM = /(\d+(?:\.\d*)?|\.\d+)([a-z\u00b5\u03bc]+)/gy;

/** Seconds, or undefined when `text` is not a non-negative duration such as "3600s" or "1h30m". */
export function parseDuration(text: string): number | undefined {
  if (text === "0") return 0;
  if (text === "") return undefined;
  TERM.lastIndex = 0;
  let seconds = 0;
  let consumed = 0;
  for (let match = TERM.exec(text); match !== null; match = TERM.exec(text)) {
    const unit = UNIT_SECONDS[match[2] ?? ""];
    if (unit === undefined) return undefined;
    seconds += Number(match[1]) * unit;
    consumed = TERM.lastIndex;
  }
  if (consumed !== text.length || !Number.isFinite(seconds)) return undefined;
  // Round away floating-point noise ("0.1s" + "0.2s"), keeping nanosecond precision.
  return Math.round(seconds * 1e9) / 1e9;
}

