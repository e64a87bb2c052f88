/**
 * Agent configuration (`.gitlab/agents/<name>/config.yaml`): parse, validate,
 * apply GitLab's defaults. The checking kit it is written with is
 * runtime/common/config-kit.
 */
export { parseAgentConfig, type ParseContext, type ParseResult } from "./parse";
export { checkCiAccessAs } from "./access";
export type { AccessConfig, CiAccessAs, CiAccessConfig, CiAccessEntry, CiAccessRule, ImpersonateAs, UserAccessConfig } from "./access";
export { ParsePool, type ParsePoolOptions } from "./parse-pool";
export { summarizeErrors, MAX_ERRORS_CHARS, MAX_REPORTED_ERRORS } from "../../common/config-kit";
