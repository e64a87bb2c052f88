/** kas.yaml's own value kinds, read with the config kit: addresses, durations in ms, paths next to kas.yaml. */
import * as path from "node:path";
import { parseDuration, type Checker, type KeyPath } from "../../common/config-kit";

/** What each section parser gets: the reader, and paths resolved against kas.yaml's directory. */
export interface KasReader {
  readonly r: Checker;
  /** kas.yaml's directory. */
  readonly base: string;
}

/** A non-empty string, or `fallback` when absent. */
export function text(k: KasReader, value: unknown, at: KeyPath, fallback?: string): string | undefined {
  return k.r.string(value, at, { nonEmpty: true }) ?? (value === undefined || value === null ? fallback : undefined);
}

/** A file path, resolved against kas.yaml's directory. */
export function file(k: KasReader, value: unknown, at: KeyPath, fallback?: string): string | undefined {
  const p = text(k, value, at, fallback);
  return p === undefined ? undefined : path.resolve(k.base, p);
}

/** host:port, port required. */
export function address(k: KasReader, value: unknown, at: KeyPath): string | undefined {
  const s = text(k, value, at);
  if (s === undefined || /^(\[[0-9a-fA-F:]+\]|[^:\s]*):\d{1,5}$/.test(s)) return s;
  return k.r.mismatch(at, s, 'an address "host:port"');
}

/** Go-style durations ("20s", "1m30s", "250ms") or a number of seconds, in milliseconds. */
export function durationMs(k: KasReader, value: unknown, at: KeyPath, fallbackMs: number): number {
  if (value === undefined || value === null) return fallbackMs;
  if (typeof value === "number" && value >= 0) return value * 1000;
  const ms = typeof value === "string" ? parseDurationMs(value) : undefined;
  return ms ?? k.r.mismatch(at, value, 'a duration such as "20s" or "1m30s"') ?? fallbackMs;
}

/** A positive whole number, or `fallback` when absent. */
export function positiveInt(k: KasReader, value: unknown, at: KeyPath, fallback: number): number {
  return k.r.integer(value, at, 1, "a positive whole number") ?? fallback;
}

/** Milliseconds of a Go duration ("1m30s"), or undefined. */
export function parseDurationMs(s: string): number | undefined {
  const seconds = parseDuration(s);
  return seconds === undefined ? undefined : Math.round(seconds * 1e9) / 1e6;
}
