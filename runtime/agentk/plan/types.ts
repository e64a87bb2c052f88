/**
 * The shapes the apply plan passes between its steps. Everything here is data:
 * no I/O, no clocks, no mutation of inputs.
 */

/** Where an object was written: the file, the YAML document in it (0-based), and its place in a `List`. */
export interface ManifestSource {
  readonly file: string;
  /** 0-based index of the document in the file, counting empty documents too (as `---` separators do). */
  readonly index: number;
  /** For an object inside a `List`: its path in the document, e.g. `items[2]`. */
  readonly item?: string;
}

/** One Kubernetes object from the manifest repository. */
export interface ManifestObject {
  readonly source: ManifestSource;
  readonly apiVersion: string;
  /** API group, `""` for the core group (apiVersion `v1`). */
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly name: string;
  /** As written (or as defaulted by applyDefaultNamespace); absent when not written. */
  readonly namespace?: string;
  /**
   * The object exactly as written, deep-frozen: server-side apply sends it as
   * it is, so that the fields it owns are exactly the fields the user wrote.
   * Steps that must change it (namespace defaulting, owner annotation) return a copy.
   */
  readonly body: Readonly<Record<string, unknown>>;
}

/** A problem that rejects the whole commit (parse, namespace defaulting, duplicates). */
export interface ManifestError {
  readonly file: string;
  /** 0-based document index, when the problem is inside one document. */
  readonly index?: number;
  /** 1-based line, where the YAML or JSON parser reports one. */
  readonly line?: number;
  /** Dotted path of the offending field, e.g. `metadata.name` or `items[1].kind`. */
  readonly field?: string;
  /** The problem alone, e.g. `required (a string)`. */
  readonly problem: string;
  /** Everything above in one line, e.g. `manifests/dude.yaml: document 2: metadata.name: required (a string)`. */
  readonly message: string;
  /**
   * `hint`: what the whole file is and what to do about it (a Helm template, a
   * kustomization.yaml), placed before the file's problems. `more`: how many
   * problems were not listed. Absent for a problem itself.
   */
  readonly role?: "hint" | "more";
  /** For a hint: how many of the file's problems were left out of the list (the hint explains them). */
  readonly omitted?: number;
}

/** The identity of an object in the cluster (cli-utils' ObjMetadata): version is not part of it. */
export interface ObjRef {
  readonly group: string;
  readonly kind: string;
  /** `""` for cluster-scoped objects. */
  readonly namespace: string;
  readonly name: string;
}

export type ResourceScope = "Namespaced" | "Cluster";

/** API discovery's answer for a group/kind; undefined when the cluster does not serve it. */
export type ScopeOf = (group: string, kind: string) => ResourceScope | undefined;
