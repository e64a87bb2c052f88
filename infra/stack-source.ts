/**
 * A `Pulumi.<stack>.yaml` file read without Pulumi (for `npm run rbac:diff`
 * and the tests): its `gitops-agent:*` values, and where each sits in the file
 * so a problem names its line.
 */
import { readFileSync } from "node:fs";
import { loadYaml, nowhere, type Locate } from "../runtime/common/config-kit";

/** The Pulumi config namespace (the project name in Pulumi.yaml). */
export const CONFIG_NAMESPACE = "gitops-agent";

/** Where the stack config came from: the file, and the position of a key path (keys without `gitops-agent:`). */
export interface StackSource {
  readonly file: string;
  readonly locate: Locate;
}

/**
 * Reads a `Pulumi.<stack>.yaml` file's `config:` map into the raw form
 * parseStackConfig takes (keys without `gitops-agent:`); other namespaces'
 * keys are left out. An empty file gives `{}`. No Pulumi needed.
 */
export function readStackFile(path: string): Record<string, unknown> {
  return readStackSource(path).raw;
}

/** readStackFile, with the source to pass to parseStackConfig. */
export function readStackSource(path: string): { readonly raw: Record<string, unknown>; readonly source: StackSource } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new Error(`${path}: cannot read the stack file: ${err instanceof Error ? err.message : String(err)}`);
  }
  const loaded = loadYaml(text, path, { goCompatible: false, invalidYaml: "not valid YAML" });
  if (!loaded.ok) throw new Error(loaded.errors.join("\n"));
  const doc = loaded.value;
  const raw: Record<string, unknown> = {};
  const source: StackSource = { file: path, locate: ([key, ...rest]) => loaded.locate(["config", `${CONFIG_NAMESPACE}:${String(key)}`, ...rest]) };
  const config = typeof doc === "object" && doc !== null && !Array.isArray(doc) ? (doc as Record<string, unknown>).config : undefined;
  if (config === undefined || config === null) return { raw, source: { file: path, locate: nowhere } };
  if (typeof config !== "object" || Array.isArray(config)) throw new Error(`${path}: "config" must be a map of key: value`);
  const prefix = `${CONFIG_NAMESPACE}:`;
  for (const [key, value] of Object.entries(config)) {
    if (key.startsWith(prefix)) raw[key.slice(prefix.length)] = value;
  }
  return { raw, source };
}
