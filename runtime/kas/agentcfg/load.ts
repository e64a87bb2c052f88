/**
 * Read one YAML document the way GitLab's kas does (Go's YAML 1.1 decoder):
 * size limit first, UTF-8, syntax errors with line and column, one document.
 */
import { isScalar, LineCounter, parseAllDocuments, type Document } from "yaml";
import { goCompatibleTags } from "../../common/yaml-tags";
import { yamlLocator, type Locate } from "./check";

export type LoadResult =
  | { readonly ok: true; readonly value: unknown; readonly locate: Locate }
  | { readonly ok: false; readonly errors: string[] };

/**
 * Reads YAML 1.1 as GitLab does (`yes`/`no`/`on`/`off` are booleans; timestamps
 * and `12:30` stay strings: see goCompatibleTags).
 */

export function loadYaml(input: string | Buffer, file: string, maxBytes: number): LoadResult {
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

  const lines = new LineCounter();
  const parsed = parseAllDocuments(text, { version: "1.1", customTags: goCompatibleTags, prettyErrors: false, lineCounter: lines });
  const documents: Document[] = Array.isArray(parsed) ? parsed : [];
  const syntaxErrors = documents.flatMap((doc) =>
    doc.errors.map((e) => {
      const pos = lines.linePos(e.pos[0]);
      return `${file}:${pos.line}:${pos.col}: found invalid YAML: ${e.message}`;
    }),
  );
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
