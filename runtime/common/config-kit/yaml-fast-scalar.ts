/**
 * What a plain scalar means, decided by the yaml library's own schema (the
 * one loadYaml parses with: YAML 1.1 and goCompatibleTags), so the fast
 * path cannot drift from it: `yes` is true, `0755` is 493, `~` is null,
 * `12:30` a string, exactly as the full parse says.
 */
import { Document, isScalar, type ScalarTag } from "yaml";
import { goCompatibleTags } from "../yaml-tags";

/** The scalar's value, or UNRESOLVED when only the full parser may say (a merge key, a resolve that reports an error). */
export type PlainResolver = (source: string, atKey: boolean) => unknown;
export const UNRESOLVED: unique symbol = Symbol("unresolved");

let goCompatible: PlainResolver | undefined;

/** The resolver for loadYaml's Go-compatible YAML 1.1 schema. */
export function goCompatibleResolver(): PlainResolver {
  return (goCompatible ??= resolverOf(new Document(null, { version: "1.1", customTags: goCompatibleTags })));
}

/** As the library's composeScalar does for an untagged plain scalar: the first default tag whose test matches, else a string. */
function resolverOf(doc: Document): PlainResolver {
  const tags = doc.schema.tags.filter((t): t is ScalarTag => !("collection" in t && t.collection) && t.test !== undefined);
  const options = doc.options;
  return (source, atKey) => {
    for (const tag of tags) {
      if (!(tag.default === true || (atKey && tag.default === "key"))) continue;
      if (!(tag.test as RegExp).test(source)) continue;
      let failed = false;
      const resolved: unknown = tag.resolve(source, () => void (failed = true), options);
      if (failed) return UNRESOLVED;
      const value = isScalar(resolved) ? resolved.value : resolved;
      return typeof value === "symbol" || typeof value === "bigint" || (typeof value === "object" && value !== null) ? UNRESOLVED : value;
    }
    return source;
  };
}
