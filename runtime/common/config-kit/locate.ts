/** Where a key path sits in a YAML source: the `file:line:col` of config errors. */
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Pair, type YAMLMap } from "yaml";
import type { KeyPath } from "./key-path";

/** 1-based line and column. */
export interface Position {
  readonly line: number;
  readonly col: number;
}

/** The position of the key or item at `path` in the source, when known. */
export type Locate = (path: KeyPath) => Position | undefined;

export const nowhere: Locate = () => undefined;

/**
 * A Locate over a parsed YAML document: the position of the deepest key of
 * `path` found. Each mapping's keys are indexed on first use, so locating every
 * error of a file is linear in its size (a scan per lookup made a mapping of
 * 16,000 unknown keys take seconds).
 */
export function yamlLocator(doc: Document, lines: LineCounter): Locate {
  const indexes = new WeakMap<YAMLMap, Map<string, Pair>>();
  const pairOf = (map: YAMLMap, key: string): Pair | undefined => {
    let index = indexes.get(map);
    if (index === undefined) {
      index = new Map();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const name = String(pair.key.value);
        if (!index.has(name)) index.set(name, pair);
      }
      indexes.set(map, index);
    }
    return index.get(key);
  };
  return (path) => {
    let node: unknown = doc.contents;
    let offset = startOf(node);
    for (const segment of path) {
      if (isAlias(node)) node = node.resolve(doc);
      if (isMap(node)) {
        const pair = pairOf(node, String(segment));
        if (pair === undefined) break;
        offset = startOf(pair.key) ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === "number") {
        node = node.items[segment];
        offset = startOf(node) ?? offset;
      } else {
        break;
      }
    }
    return offset === undefined ? undefined : lines.linePos(offset);
  };
}

function startOf(node: unknown): number | undefined {
  if (node === null || typeof node !== "object" || !("range" in node)) return undefined;
  const range: unknown = node.range;
  return Array.isArray(range) && typeof range[0] === "number" ? range[0] : undefined;
}
