/**
 * Bytes to documents, the way kubectl (and GitLab's agentk) read manifests:
 * YAML through Go's YAML 1.1 decoder, JSON files as JSON.
 */
import { LineCounter } from "yaml";
import { goCompatibleTags } from "../../common/yaml-tags";
import type { SourceFile } from "../../rpc/object-stream";
import { manifestError, MAX_LISTED_ERRORS } from "./errors";
import { TooManyYamlErrors, YamlTooDeep, yamlDocuments } from "./yaml-stream";
import { deepFreeze } from "./fields";
import type { ManifestError } from "./types";

export interface DecodedDocument {
  /** 0-based, counting empty documents too. */
  readonly index: number;
  /** Deep-frozen; never null (empty and comment-only documents are left out). */
  readonly value: unknown;
}

export interface DecodedFile {
  readonly documents: readonly DecodedDocument[];
  /** At most MAX_LISTED_ERRORS: a garbage file has millions, and the decode memo holds what is returned. */
  readonly errors: readonly ManifestError[];
  /** Errors found beyond those listed. */
  readonly unlisted?: number;
}

/** Aliases a document may expand (a "billion laughs" guard, as the yaml library's default). */
const MAX_ALIAS_COUNT = 100;

export function decodeFile(file: SourceFile): DecodedFile {
  const steps = decodeSteps(file);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * decodeFile, giving the event loop a turn every DOCUMENTS_PER_TURN documents:
 * a 5 MiB file of tiny documents (valid, and within GitLab's limits) takes
 * the YAML library about 18 s, during which agentk would renew no Lease and
 * answer no keepalive.
 */
export async function decodeFileYielding(file: SourceFile): Promise<DecodedFile> {
  const steps = decodeSteps(file);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Documents decoded between two turns of the event loop (a few milliseconds' worth). */
export const DOCUMENTS_PER_TURN = 200;

/** The decode, as steps: it yields between runs of DOCUMENTS_PER_TURN documents and returns the file. */
function* decodeSteps(file: SourceFile): Generator<void, DecodedFile, void> {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(file.data);
  } catch {
    return { documents: [], errors: [manifestError({ file: file.path }, "found bytes that are not UTF-8; expected a UTF-8 text file")] };
  }
  return file.path.toLowerCase().endsWith(".json") ? decodeJson(file.path, text) : yield* decodeYaml(file.path, text);
}

/** Errors read in one file before giving up on it: past the MAX_LISTED_ERRORS listed, only to say roughly how many. */
const MAX_YAML_ERRORS = 1000;

function* decodeYaml(path: string, text: string): Generator<void, DecodedFile, void> {
  const lines = new LineCounter();
  const documents: DecodedDocument[] = [];
  const errors: ManifestError[] = [];
  let unlisted = 0;
  let index = 0;
  const docs = yamlDocuments(text, { version: "1.1", customTags: goCompatibleTags, merge: true }, lines, { maxErrors: MAX_YAML_ERRORS, keep: MAX_LISTED_ERRORS - 1 });
  try {
    for (const doc of docs) {
      const at = index++;
      if (at > 0 && at % DOCUMENTS_PER_TURN === 0) yield;
      if (doc.errors.length > 0) {
        for (const e of doc.errors) {
          if (errors.length >= MAX_LISTED_ERRORS) {
            unlisted++;
            continue;
          }
          const line = lines.linePos(e.pos[0]).line;
          errors.push(manifestError({ file: path, index: at, line }, `invalid YAML: ${e.message}`));
        }
        continue;
      }
      if (doc.contents === null) continue;
      try {
        const value: unknown = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
        if (value !== null && value !== undefined) documents.push({ index: at, value: deepFreeze(value) });
      } catch (e) {
        if (errors.length < MAX_LISTED_ERRORS) errors.push(manifestError({ file: path, index: at }, `YAML that cannot be expanded: ${(e as Error).message}`));
        else unlisted++;
      }
    }
  } catch (err) {
    if (err instanceof YamlTooDeep) {
      const line = lines.linePos(err.offset).line;
      return { documents: [], errors: [manifestError({ file: path, line }, `invalid YAML: ${err.message}; the rest of the file was not read`)] };
    }
    if (!(err instanceof TooManyYamlErrors)) throw err;
    // The errors of the documents read whole are among err.first, which saw every error as it was made.
    const listed = err.first.map((e) => manifestError({ file: path, index: e.index, line: lines.linePos(e.offset).line }, `invalid YAML: ${e.message}`));
    listed.push(manifestError({ file: path }, `invalid YAML: more than ${MAX_YAML_ERRORS} errors; the rest of the file was not read`));
    return { documents: [], errors: listed, unlisted: err.count - err.first.length };
  }
  return unlisted > 0 ? { documents, errors, unlisted } : { documents, errors };
}

/** A JSON file holds one document (an object or a `List`); an empty file holds none. */
function decodeJson(path: string, text: string): DecodedFile {
  if (text.trim() === "") return { documents: [], errors: [] };
  try {
    const value: unknown = JSON.parse(text);
    return { documents: value === null ? [] : [{ index: 0, value: deepFreeze(value) }], errors: [] };
  } catch (e) {
    const message = (e as Error).message;
    const position = /at position (\d+)/.exec(message)?.[1];
    const line = position === undefined ? undefined : text.slice(0, Number(position)).split("\n").length;
    return { documents: [], errors: [manifestError({ file: path, index: 0, line }, `invalid JSON: ${message}`)] };
  }
}
