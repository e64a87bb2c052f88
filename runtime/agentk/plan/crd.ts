/**
 * CustomResourceDefinitions in the same commit as their custom resources: the
 * cluster does not serve the kind yet, so its scope and its CRD come from the batch.
 */
import { stringAt } from "./fields";
import type { ResourceScope } from "./types";

export const CRD_GROUP = "apiextensions.k8s.io";
export const CRD_KIND = "CustomResourceDefinition";

export interface BatchCrd {
  /** metadata.name of the CRD, e.g. `widgets.example.com`. */
  readonly name: string;
  /** spec.scope, when it is one of the two valid values. */
  readonly scope?: ResourceScope;
}

interface CrdLike {
  readonly group: string;
  readonly kind: string;
  readonly name: string;
  readonly body?: Readonly<Record<string, unknown>>;
}

/** `<group>/<kind>` of the kind a CRD defines, the key of crdsInBatch. */
export const kindKey = (group: string, kind: string): string => `${group}/${kind}`;

/**
 * The kinds defined by the CRDs among `objects`, keyed by kindKey(spec.group,
 * spec.names.kind). A CRD without those fields defines nothing here; its own
 * apply will fail with the API server's validation message.
 */
export function crdsInBatch(objects: readonly CrdLike[]): ReadonlyMap<string, BatchCrd> {
  const crds = new Map<string, BatchCrd>();
  for (const o of objects) {
    if (o.group !== CRD_GROUP || o.kind !== CRD_KIND || o.body === undefined) continue;
    const group = stringAt(o.body, ["spec", "group"], "");
    const kind = stringAt(o.body, ["spec", "names", "kind"], "");
    if (group === "" || kind === "") continue;
    const scope = stringAt(o.body, ["spec", "scope"], "");
    crds.set(kindKey(group, kind), scope === "Namespaced" || scope === "Cluster" ? { name: o.name, scope } : { name: o.name });
  }
  return crds;
}
