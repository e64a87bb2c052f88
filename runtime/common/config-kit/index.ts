/**
 * The config-validation kit: one reader that collects problems with their key
 * path and source position, one way to describe a found value, one set of
 * name rules, one YAML loader. kas.yaml, the agent config.yaml, kas's agent
 * registry file and the Pulumi stack config are all read with it.
 */
export { describe, isPlainObject, type DescribeOptions } from "./describe";
export { parseDuration } from "./duration";
export { formatPath, type KeyPath, type PathSegment } from "./key-path";
export { nowhere, yamlLocator, type Locate, type Position } from "./locate";
export {
  AGENT_CONFIG_WORDING,
  Checker,
  KAS_CONFIG_WORDING,
  STACK_CONFIG_WORDING,
  type Problem,
  type ReaderOptions,
  type StringRule,
  type Wording,
} from "./reader";
export { DNS_LABEL, DNS_LABEL_RULE, DNS_SUBDOMAIN, isDnsLabel, isDnsSubdomain } from "./rules";
export { closest, editDistance } from "./suggest";
export { summarizeErrors, MAX_ERRORS_CHARS, MAX_ERROR_CHARS, MAX_REPORTED_ERRORS } from "./summary";
export { loadYaml, type LoadOptions, type LoadResult } from "./yaml-source";
