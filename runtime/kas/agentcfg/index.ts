/**
 * Agent configuration (`.gitlab/agents/<name>/config.yaml`): parse, validate,
 * apply GitLab's defaults. Also exports the small checking kit the kas agent
 * registry reuses for its own YAML file.
 */
export { parseAgentConfig, type ParseContext, type ParseResult } from "./parse";
export { ParsePool, type ParsePoolOptions } from "./parse-pool";
export { parseDuration } from "./duration";
export { loadYaml, type LoadResult } from "./load";
export { closest, editDistance } from "./suggest";
export { summarizeErrors, MAX_ERRORS_CHARS, MAX_REPORTED_ERRORS } from "./summary";
export {
  Checker,
  describe,
  formatPath,
  isPlainObject,
  yamlLocator,
  type KeyPath,
  type Locate,
  type PathSegment,
  type StringRule,
} from "./check";
