/**
 * Step 1 of the apply pipeline: manifest files to objects. Any problem rejects
 * the whole commit before anything is written, so every problem is reported
 * at once, each naming its file, document and field; a file that is no
 * manifest at all (a Helm template, a kustomization.yaml) is named as such.
 */
import type { SourceFile } from "../../rpc/object-stream";
import { decodeFile, type DecodedFile } from "./decode";
import { capErrors, errorAtObject, manifestError, MAX_LISTED_ERRORS } from "./errors";
import { describeValue, isRecord, type UnknownRecord } from "./fields";
import { PROBLEMS_PER_FILE } from "./file-report";
import { chartDirectories, kustomizationProblem, recogniseFile } from "./recognise";
import type { ManifestError, ManifestObject, ManifestSource } from "./types";

export type ParseResult = { readonly objects: ManifestObject[] } | { readonly errors: ManifestError[] };

/** Bytes to documents: decodeFile, or a memo of it (decoded documents are frozen, so they can be shared). */
export type Decode = (file: SourceFile) => DecodedFile;

export function parseManifests(files: readonly SourceFile[], decode: Decode = decodeFile): ParseResult {
  const objects: ManifestObject[] = [];
  const errors: ManifestError[] = [];
  let unlisted = 0;
  let chartDirs: ReadonlySet<string> | undefined;
  for (const [i, file] of files.entries()) {
    const decoded = decode(file);
    const start = errors.length;
    // One by one: a Decode may return more errors than a call takes arguments (push(...) throws a RangeError).
    for (const e of decoded.errors) errors.push(e);
    unlisted += decoded.unlisted ?? 0;
    for (const doc of decoded.documents) {
      if (errors.length + unlisted > MAX_LISTED_ERRORS) break;
      collect(doc.value, { file: file.path, index: doc.index }, objects, errors);
    }
    const charts = (): ReadonlySet<string> => (chartDirs ??= chartDirectories(files.map((f) => f.path)));
    // A recognised file's problems past its first few are counted on its hint, not in the commit's list.
    if (errors.length > start && explainFile(file, errors, start, decoded.unlisted ?? 0, charts)) unlisted -= decoded.unlisted ?? 0;
    // The commit is rejected either way; reading on would only cost time for problems nobody will see.
    if (errors.length + unlisted > MAX_LISTED_ERRORS) {
      return { errors: capErrors(errors, i < files.length - 1 ? `; files after ${file.path} were not read` : "", unlisted) };
    }
  }
  return errors.length > 0 ? { errors } : { objects };
}

/**
 * When the file's problems (errors[start..]) come from what the file is (a Helm
 * template, a kustomization.yaml), they become one hint first, then the file's
 * first problems; the others are only counted (`omitted`), so that the files
 * after it still get read. Only files with problems: a valid ConfigMap may well
 * hold `{{ }}` (an alerting template) and is applied as it is.
 */
function explainFile(file: SourceFile, errors: ManifestError[], start: number, unlisted: number, chartDirs: () => ReadonlySet<string>): boolean {
  const recognised = recogniseFile(file.path, file.data.toString("utf8"), chartDirs());
  const own = errors.splice(start);
  const hint = recognised ? manifestError({ file: file.path, line: recognised.line }, recognised.problem) : own.find((e) => e.role === "hint");
  const problems = own.filter((e) => e.role !== "hint");
  if (!hint) {
    for (const e of own) errors.push(e);
    return false;
  }
  const omitted = Math.max(0, problems.length - PROBLEMS_PER_FILE) + unlisted;
  errors.push({ ...hint, role: "hint", omitted });
  for (const e of problems.slice(0, PROBLEMS_PER_FILE)) errors.push(e);
  return true;
}

/** Adds the object (or, for a List, its items) in `value` to `objects`, or its problems to `errors`. */
function collect(value: unknown, source: ManifestSource, objects: ManifestObject[], errors: ManifestError[]): void {
  const problem = (field: string | undefined, text: string) => errors.push(manifestError(errorAtObject(source, field), text));
  if (!isRecord(value)) {
    problem(undefined, `expected a mapping (a Kubernetes object), found ${describeValue(value)}`);
    return;
  }
  const before = errors.length;
  const apiVersion = requiredString(value.apiVersion, "apiVersion", problem);
  const kind = requiredString(value.kind, "kind", problem);
  const gv = apiVersion === undefined ? undefined : splitApiVersion(apiVersion);
  if (apiVersion !== undefined && gv === undefined) {
    problem("apiVersion", `found ${JSON.stringify(apiVersion)}; expected <version> (core group, e.g. v1) or <group>/<version> (e.g. apps/v1)`);
  }
  const kustomize = gv === undefined || kind === undefined ? undefined : kustomizationProblem(gv.group, kind);
  if (kustomize) {
    errors.push({ ...manifestError(errorAtObject(source), kustomize), role: "hint" });
    return;
  }
  if (kind !== undefined && isListKind(kind, value)) {
    expandList(value, source, objects, errors, problem);
    return;
  }
  const meta = readMetadata(value.metadata, problem);
  if (errors.length > before || gv === undefined || kind === undefined || meta === undefined) return;
  objects.push({ source, apiVersion: apiVersion ?? "", ...gv, kind, ...meta, body: value });
}

type Problem = (field: string | undefined, text: string) => void;

/**
 * kubectl applies the items of any list (`kind: List`, `ConfigMapList`, ...)
 * one by one. A custom kind that merely ends in "List" (a `PlayList`) is a
 * list only if it has top-level `items`.
 */
function isListKind(kind: string, value: UnknownRecord): boolean {
  return kind === "List" || (kind.endsWith("List") && "items" in value);
}

function expandList(value: UnknownRecord, source: ManifestSource, objects: ManifestObject[], errors: ManifestError[], problem: Problem): void {
  const items = value.items ?? [];
  if (!Array.isArray(items)) {
    problem("items", `expected a sequence of objects, found ${describeValue(items)}`);
    return;
  }
  items.forEach((item: unknown, i) => {
    const path = `${source.item === undefined ? "" : `${source.item}.`}items[${i}]`;
    collect(item, { ...source, item: path }, objects, errors);
  });
}

function readMetadata(metadata: unknown, problem: Problem): { name: string; namespace?: string } | undefined {
  if (!isRecord(metadata)) {
    problem("metadata", metadata === undefined || metadata === null ? "required (a mapping with name)" : `expected a mapping, found ${describeValue(metadata)}`);
    return undefined;
  }
  let name: string | undefined;
  if ((metadata.name === undefined || metadata.name === "") && typeof metadata.generateName === "string") {
    problem("metadata.name", "required (a string); metadata.generateName is not supported: server-side apply needs the object's name");
  } else {
    name = requiredString(metadata.name, "metadata.name", problem);
  }
  const namespace = metadata.namespace;
  if (namespace !== undefined && namespace !== null && typeof namespace !== "string") {
    problem("metadata.namespace", `expected a string, found ${describeValue(namespace)}`);
    return undefined;
  }
  if (name === undefined) return undefined;
  // An empty namespace means "not set", as for kubectl.
  return typeof namespace === "string" && namespace !== "" ? { name, namespace } : { name };
}

function requiredString(value: unknown, field: string, problem: Problem): string | undefined {
  if (typeof value === "string" && value !== "") return value;
  problem(field, value === undefined || value === null || value === "" ? "required (a string)" : `expected a string, found ${describeValue(value)}`);
  return undefined;
}

/** `apps/v1` -> apps, v1; `v1` -> "", v1; anything else is not an apiVersion. */
export function splitApiVersion(apiVersion: string): { group: string; version: string } | undefined {
  const parts = apiVersion.split("/");
  if (parts.some((p) => p === "") || parts.length > 2) return undefined;
  const [first = "", second] = parts;
  return second === undefined ? { group: "", version: first } : { group: first, version: second };
}
