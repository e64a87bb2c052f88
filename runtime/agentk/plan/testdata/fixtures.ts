/** Helpers for the plan's tests: manifests from YAML text, as the applier receives them. */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import type { SourceFile } from "../../../rpc/object-stream";
import { parseAllDocuments } from "yaml";
import { parseManifests, type ManifestObject, type ResourceScope, type ScopeOf } from "../index";

/** The text of a file in testdata/. */
export const testdata = (name: string): string => readFileSync(join(__dirname, name), "utf8");

/** Every file under testdata/<dir>, sorted, with its path relative to testdata/ (as kas sends repository paths). */
export function testdataFiles(dir: string): SourceFile[] {
  const walk = (d: string): string[] => readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? walk(join(d, n)) : [join(d, n)]));
  return walk(join(__dirname, dir))
    .sort()
    .map((p) => ({ path: relative(__dirname, p), data: readFileSync(p) }));
}

/** A namespaced CustomResourceDefinition of example.com/v1 as YAML; `schema` is its openAPIV3Schema (flow or block YAML, indented for its place). */
export function exampleCrd(kind: string, plural: string, schema = "{type: object, x-kubernetes-preserve-unknown-fields: true}"): string {
  return `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: ${plural}.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: ${plural}, singular: ${kind.toLowerCase()}, kind: ${kind}}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema: ${schema}
`;
}

/** The documents of a multi-document YAML file in testdata/, one test case each. */
export function cases<T>(name: string): T[] {
  return parseAllDocuments(testdata(name)).map((d) => d.toJS() as T);
}

/** Parses `files` (path -> YAML) and fails the test on any error. */
export function manifests(files: Record<string, string>): ManifestObject[] {
  const result = parseManifests(Object.entries(files).map(([path, text]) => ({ path, data: Buffer.from(text) })));
  if ("errors" in result) throw new Error(result.errors.map((e) => e.message).join("\n"));
  return result.objects;
}

/** What discovery says on a fresh cluster: the built-in kinds, no custom ones. */
const BUILT_IN: Record<string, ResourceScope> = {
  "/Namespace": "Cluster",
  "/ConfigMap": "Namespaced",
  "/Secret": "Namespaced",
  "/Service": "Namespaced",
  "/ServiceAccount": "Namespaced",
  "/PersistentVolume": "Cluster",
  "apps/Deployment": "Namespaced",
  "rbac.authorization.k8s.io/ClusterRole": "Cluster",
  "rbac.authorization.k8s.io/Role": "Namespaced",
  "rbac.authorization.k8s.io/RoleBinding": "Namespaced",
  "apiextensions.k8s.io/CustomResourceDefinition": "Cluster",
};

export const builtInScopes: ScopeOf = (group, kind) => BUILT_IN[`${group}/${kind}`];
