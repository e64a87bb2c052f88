/**
 * Step 2: namespaces. Namespaced objects without one get the project's
 * default_namespace; a namespace on a cluster-scoped kind, or one object
 * written twice, rejects the commit (every such problem is reported).
 * Kinds neither the cluster nor a CRD in the commit defines are set aside:
 * the applier fails those objects one by one, it does not reject the commit.
 */
import { crdsInBatch, kindKey } from "./crd";
import { capErrors, describeSource, errorAtObject, manifestError } from "./errors";
import { describeObject, withMetadata } from "./fields";
import { objRefKey, refOf } from "./refs";
import type { ManifestError, ManifestObject, ResourceScope, ScopeOf } from "./types";

/** An object whose kind the cluster (or a CRD in the commit) serves, namespace settled. */
export interface ScopedObject extends ManifestObject {
  readonly scope: ResourceScope;
}

export type DefaultNamespaceResult =
  | {
      /** In input order; namespaced ones all have `namespace` set. */
      readonly objects: ScopedObject[];
      /** Kinds with no API resource: "no API resource for group/kind" for each, at apply time. */
      readonly unknown: ManifestObject[];
    }
  | { readonly errors: ManifestError[] };

/**
 * @param scopeOf API discovery; consulted first, since a CRD already in the
 *   cluster is the truth (its scope is immutable), then the commit's CRDs.
 */
export function applyDefaultNamespace(
  objects: readonly ManifestObject[],
  defaultNamespace: string,
  scopeOf: ScopeOf,
): DefaultNamespaceResult {
  const batchCrds = crdsInBatch(objects);
  const scoped: ScopedObject[] = [];
  const unknown: ManifestObject[] = [];
  const errors: ManifestError[] = [];
  const settled: ManifestObject[] = [];
  for (const obj of objects) {
    const scope = scopeOf(obj.group, obj.kind) ?? batchCrds.get(kindKey(obj.group, obj.kind))?.scope;
    if (scope === undefined) {
      unknown.push(obj);
      settled.push(obj);
    } else if (scope === "Cluster" && obj.namespace !== undefined) {
      const problem = `${describeObject({ kind: obj.kind, name: obj.name })} is cluster-scoped and cannot have a namespace (found ${JSON.stringify(obj.namespace)}); remove metadata.namespace`;
      errors.push(manifestError(errorAtObject(obj.source, "metadata.namespace"), problem));
    } else {
      const defaulted = scope === "Namespaced" && obj.namespace === undefined;
      const body = defaulted ? withMetadata(obj.body, "namespace", undefined, defaultNamespace) : obj.body;
      const done: ScopedObject = defaulted ? { ...obj, namespace: defaultNamespace, body, scope } : { ...obj, scope };
      scoped.push(done);
      settled.push(done);
    }
  }
  for (const e of duplicates(settled)) errors.push(e); // not push(...): a batch can repeat one object 300,000 times, more than a call takes arguments
  return errors.length > 0 ? { errors: capErrors(errors) } : { objects: scoped, unknown };
}

/** One error per repeated object, at the repeat, naming where it was first written. */
function duplicates(objects: readonly ManifestObject[]): ManifestError[] {
  const first = new Map<string, ManifestObject>();
  const errors: ManifestError[] = [];
  for (const obj of objects) {
    const key = objRefKey(refOf(obj));
    const seen = first.get(key);
    if (seen === undefined) {
      first.set(key, obj);
      continue;
    }
    const what = `${describeObject(obj)} (${obj.apiVersion})`;
    errors.push(manifestError(errorAtObject(obj.source), `${what} is also defined at ${describeSource(seen.source)}; an object may be written only once`));
  }
  return errors;
}
