/** How commit-rejecting problems are worded: file, document, line, field, then the problem. */
import type { ManifestError, ManifestSource } from "./types";

export interface ErrorAt {
  readonly file: string;
  readonly index?: number;
  readonly line?: number;
  readonly field?: string;
}

/** `manifests/dude.yaml: document 2: metadata.name: required (a string)`. */
export function manifestError(at: ErrorAt, problem: string): ManifestError {
  const parts = [at.file];
  if (at.index !== undefined) parts.push(`document ${at.index}`);
  if (at.line !== undefined) parts.push(`line ${at.line}`);
  if (at.field !== undefined) parts.push(at.field);
  parts.push(problem);
  return { ...at, problem, message: parts.join(": ") };
}

/** `manifests/a.yaml: document 3`, or `manifests/a.yaml: document 3, items[1]`. */
export function describeSource(source: ManifestSource): string {
  const base = `${source.file}: document ${source.index}`;
  return source.item === undefined ? base : `${base}, ${source.item}`;
}

/** Where an error about a whole object points: its document, and its field prefix inside a `List`. */
export function errorAtObject(source: ManifestSource, field?: string): ErrorAt {
  const path = [source.item, field].filter((p): p is string => p !== undefined).join(".");
  return { file: source.file, index: source.index, ...(path === "" ? {} : { field: path }) };
}

/**
 * Problems listed per rejected commit: enough to fix it, few enough that a
 * garbage file (a million syntax errors) cannot make a log line or a status
 * report of megabytes.
 */
export const MAX_LISTED_ERRORS = 100;

/**
 * The first MAX_LISTED_ERRORS problems, then one counting the rest (placed
 * where they start, plus `note`); `unlisted` counts problems already dropped.
 */
export function capErrors(errors: readonly ManifestError[], note = "", unlisted = 0): ManifestError[] {
  const first = errors.slice(0, MAX_LISTED_ERRORS);
  const more = errors.length - first.length + unlisted;
  const at = errors[MAX_LISTED_ERRORS] ?? errors[errors.length - 1];
  if (more === 0 || !at) return first;
  return [...first, { ...manifestError({ file: at.file, index: at.index }, `${more} more problem(s) not listed${note}`), role: "more" }];
}
