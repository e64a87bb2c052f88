/**
 * Parse and validate an agent's `.gitlab/agents/<name>/config.yaml`.
 * A GitLab config works unchanged; every problem is reported at once.
 */
import { LIMITS, type AgentConfiguration, type LogLevel } from "../../rpc/agent-config";
import { Checker, describe, isPlainObject, loadYaml, summarizeErrors } from "../../common/config-kit";
import { checkAccess, type AccessConfig } from "./access";
import { checkGitops } from "./gitops";
import { LOG_LEVELS, LOGGING_KEYS, OBSERVABILITY_KEYS, OBSERVABILITY_UNIMPLEMENTED, TOP_LEVEL_KEYS, TOP_LEVEL_UNIMPLEMENTED } from "./schema";

export interface ParseContext {
  /** Shown in messages, e.g. `.gitlab/agents/dude-agent/config.yaml`. */
  readonly file: string;
  /** The project holding the config; the default manifest project id. */
  readonly configProjectId: string;
}

export type ParseResult =
  /** `access` (ci_access, user_access) stays in kas: it is not part of what agentk receives. */
  | { readonly ok: true; readonly config: AgentConfiguration; readonly access: AccessConfig; readonly warnings: string[] }
  /**
   * `error` is `errors` joined by newlines, each naming file, line, key path,
   * found and expected: the first ones (see summarizeErrors), then
   * `... and N more errors` when there are more.
   */
  | { readonly ok: false; readonly error: string; readonly errors: readonly string[] };

export function parseAgentConfig(input: string | Buffer, ctx: ParseContext): ParseResult {
  const fail = (all: readonly string[]): ParseResult => {
    const errors = summarizeErrors(all);
    return { ok: false, error: errors.join("\n"), errors };
  };
  const loaded = loadYaml(input, ctx.file, { maxBytes: LIMITS.configFileBytes });
  if (!loaded.ok) return fail(loaded.errors);
  const { value } = loaded;
  const c = new Checker(ctx.file, { locate: loaded.locate });
  if (value !== undefined && value !== null && !isPlainObject(value)) {
    c.error([], `found ${describe(value)} at the top level; expected a mapping with keys ${TOP_LEVEL_KEYS.join(", ")}`);
    return fail(c.errors);
  }
  const top = c.mapping(value, [], TOP_LEVEL_KEYS, TOP_LEVEL_UNIMPLEMENTED) ?? {};
  const config: AgentConfiguration = {
    gitops: checkGitops(top.gitops, c, ctx.configProjectId),
    observability: { logging: { level: checkObservability(top.observability, c) } },
  };
  const access = checkAccess(top.ci_access, top.user_access, c);
  if (c.errors.length > 0) return fail(c.errorsInSourceOrder());
  return { ok: true, config, access, warnings: c.warnings };
}

/** `observability.logging.level` (and GitLab's `grpc_level`, checked and accepted). */
function checkObservability(value: unknown, c: Checker): LogLevel {
  const path = ["observability"];
  const observability = c.mapping(value, path, OBSERVABILITY_KEYS, OBSERVABILITY_UNIMPLEMENTED) ?? {};
  const logging = c.mapping(observability.logging, [...path, "logging"], LOGGING_KEYS) ?? {};
  c.oneOf(logging.grpc_level, [...path, "logging", "grpc_level"], LOG_LEVELS);
  return c.oneOf(logging.level, [...path, "logging", "level"], LOG_LEVELS) ?? "info";
}
