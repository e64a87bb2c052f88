import type { Tags } from "yaml";

/**
 * Go's YAML 1.1 decoder (sigs.k8s.io/yaml, and GitLab's agent config reader)
 * reads `yes`/`on` as booleans and `0755` as octal, so we parse YAML 1.1 too;
 * but it keeps timestamps and `12:30` (sexagesimal in the YAML 1.1 spec) as
 * strings, where the yaml library's 1.1 schema would make a Date and 750.
 * Pass as `customTags` with `version: "1.1"`.
 */
export const goCompatibleTags = (tags: Tags): Tags =>
  tags.filter((t) => (typeof t === "string" ? t !== "timestamp" : t.tag !== "tag:yaml.org,2002:timestamp" && t.format !== "TIME"));
