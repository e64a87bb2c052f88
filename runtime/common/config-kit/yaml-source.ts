/**
 * Read one YAML document the way GitLab's kas does (Go's YAML 1.1 decoder):
 * size limit first, UTF-8, syntax errors with line and column, one document.
 * Every step is linear in the file's size: a file within the limit is read
 * in one go on the event loop, which serves every agent.
 */
import { isScalar, LineCounter, parseAllDocuments, visit, type Document } from "yaml";
import { goCompatibleTags } from "../yaml-tags";
import { nowhere, yamlLocator, type Locate } from "./locate";
import { fastYaml } from "./yaml-fast";
import { goCompatibleResolver } from "./yaml-fast-scalar";

export type LoadResult =
  | { readonly ok: true; readonly value: unknown; readonly locate: Locate }
  | { readonly ok: false; readonly errors: string[] };

export interface LoadOptions {
  /** Refuse a larger file before parsing it. Default: no limit. */
  readonly maxBytes?: number;
  /**
   * Read YAML 1.1 as GitLab does (`yes`/`no`/`on`/`off` are booleans; timestamps
   * and `12:30` stay strings: see goCompatibleTags). Default true; kas.yaml is YAML 1.2.
   */
  readonly goCompatible?: boolean;
  /** Words before a syntax error's message. Default "found invalid YAML". */
  readonly invalidYaml?: string;
  /**
   * Go-compatible files in the common subset (yaml-fast.ts) are read without the
   * library, which then runs only if a position is asked for. Default true; false
   * always runs the library (the fast path's tests compare the two).
   */
  readonly fastPath?: boolean;
}

export function loadYaml(input: string | Buffer, file: string, options: LoadOptions = {}): LoadResult {
  const { maxBytes = Infinity, goCompatible = true, invalidYaml = "found invalid YAML", fastPath = true } = options;
  const fail = (message: string): LoadResult => ({ ok: false, errors: [`${file}: ${message}`] });
  const size = typeof input === "string" ? Buffer.byteLength(input, "utf8") : input.length;
  if (size > maxBytes) {
    return fail(`found a file of ${size} bytes; expected at most ${maxBytes} bytes (${maxBytes / 1024} KiB)`);
  }
  let text: string;
  try {
    text = typeof input === "string" ? input : new TextDecoder("utf-8", { fatal: true }).decode(input);
  } catch {
    return fail("found bytes that are not UTF-8; expected a UTF-8 YAML file");
  }
  if (goCompatible && fastPath) {
    const value = fastYaml(text, goCompatibleResolver());
    if (value !== undefined) {
      // The same value as the library's: so are its positions, found only when a problem needs one.
      let full: Locate | undefined;
      const locate: Locate = (path) => (full ??= fullLocate(parseText(text, file, goCompatible, invalidYaml)))(path);
      return { ok: true, value, locate };
    }
  }
  return parseText(text, file, goCompatible, invalidYaml);
}

const fullLocate = (loaded: LoadResult): Locate => (loaded.ok ? loaded.locate : nowhere);

/** The yaml library's parse of `text`: every syntax error with its position, one document. */
function parseText(text: string, file: string, goCompatible: boolean, invalidYaml: string): LoadResult {
  const fail = (message: string): LoadResult => ({ ok: false, errors: [`${file}: ${message}`] });
  const lines = new LineCounter();
  // yaml's own duplicate-key check rescans the mapping for every key (16,000 keys: seconds): duplicateKeys() does it in one pass.
  const parsed = parseAllDocuments(text, {
    ...(goCompatible ? { version: "1.1" as const, customTags: goCompatibleTags } : {}),
    prettyErrors: false,
    lineCounter: lines,
    uniqueKeys: false,
  });
  const documents: Document[] = Array.isArray(parsed) ? parsed : [];
  const problems = documents.flatMap((doc) => [...doc.errors.map((e) => ({ at: e.pos[0], message: e.message })), ...duplicateKeys(doc)]);
  const syntaxErrors = problems
    .sort((a, b) => a.at - b.at)
    .map(({ at, message }) => {
      const pos = lines.linePos(at);
      return `${file}:${pos.line}:${pos.col}: ${invalidYaml}: ${message}`;
    });
  if (syntaxErrors.length > 0) return { ok: false, errors: syntaxErrors };
  const nonEmpty = documents.filter((doc) => doc.contents !== null && !(isScalar(doc.contents) && doc.contents.value === null));
  if (nonEmpty.length > 1) return fail(`found ${nonEmpty.length} YAML documents; expected one (remove the extra "---")`);
  const doc = nonEmpty[0];
  if (doc === undefined) return { ok: true, value: null, locate: () => undefined };
  try {
    return { ok: true, value: doc.toJS({ maxAliasCount: 100 }), locate: yamlLocator(doc, lines) };
  } catch (e) {
    return fail(`found YAML that cannot be expanded (${(e as Error).message}); expected plain data`);
  }
}

/**
 * The second and later occurrences of a key in each mapping of `doc` (the
 * error yaml reports, at the same place), one pass over each mapping. Keys
 * are equal as yaml compares them: scalars of the same value.
 */
function duplicateKeys(doc: Document): { at: number; message: string }[] {
  const found: { at: number; message: string }[] = [];
  visit(doc, {
    Map(_key, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        if (!seen.has(pair.key.value)) seen.add(pair.key.value);
        else found.push({ at: pair.key.range?.[0] ?? 0, message: "Map keys must be unique" });
      }
    },
  });
  return found;
}
