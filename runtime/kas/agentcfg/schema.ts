/**
 * The keys of `.gitlab/agents/<name>/config.yaml`, from GitLab's
 * `pkg/agentcfg/agentcfg.proto` (ConfigurationFile and the messages below it),
 * plus this agent's extensions (`gitops.scope`, `gitops.reapply_interval`).
 * Sections GitLab defines that this agent does not implement are listed apart:
 * they are accepted with a warning so a GitLab config works unchanged.
 */
import { CONFIG_ENUMS, type DryRunStrategy, type InventoryPolicy, type LogLevel, type PrunePropagationPolicy } from "../../rpc/agent-config";

export const TOP_LEVEL_KEYS = ["gitops", "observability", "ci_access", "user_access"] as const;
/** ConfigurationFile fields of GitLab (13.x to 17.x) this agent ignores. `cilium` existed until 15.0. */
export const TOP_LEVEL_UNIMPLEMENTED = [
  "container_scanning", "starboard", "remote_development", "flux", "cilium",
] as const;

/** `ci_access` (GitLab's CiAccessCF; `instance` is GitLab 17.x's instance-wide authorisation). */
export const CI_ACCESS_KEYS = ["projects", "groups", "instance"] as const;
/** One `ci_access.projects[]` / `groups[]` entry; `instance` has the same keys but `id`. */
export const CI_ACCESS_ENTRY_KEYS = ["id", "default_namespace", "access_as", "environments", "protected_branches_only"] as const;
export const CI_ACCESS_AS_KINDS = ["agent", "impersonate", "ci_job"] as const;
export const IMPERSONATE_KEYS = ["username", "groups", "uid", "extra"] as const;
export const EXTRA_KEYS = ["key", "val"] as const;
/** `user_access` (GitLab's UserAccessCF). */
export const USER_ACCESS_KEYS = ["access_as", "projects", "groups"] as const;
export const USER_ACCESS_AS_KINDS = ["agent", "user"] as const;
export const ID_KEYS = ["id"] as const;

export const GITOPS_KEYS = ["manifest_projects", "scope", "reapply_interval"] as const;
export const GITOPS_UNIMPLEMENTED = ["charts"] as const;

export const MANIFEST_PROJECT_KEYS = [
  "id", "ref", "default_namespace", "paths",
  "reconcile_timeout", "dry_run_strategy", "prune", "prune_timeout", "prune_propagation_policy", "inventory_policy",
  // GitLab 13.x; removed from GitLab in 14.0, kept here as the agent's kind filter.
  "resource_inclusions", "resource_exclusions",
] as const;

export const REF_KEYS = ["branch", "tag", "commit"] as const;
export const PATH_KEYS = ["glob"] as const;
export const RESOURCE_SELECTOR_KEYS = ["api_groups", "kinds"] as const;
export const SCOPE_KEYS = ["mode", "namespaces"] as const;

export const OBSERVABILITY_KEYS = ["logging"] as const;
export const OBSERVABILITY_UNIMPLEMENTED = ["google_profiler"] as const;
export const LOGGING_KEYS = ["level", "grpc_level"] as const;

// One source with agentk, which checks what kas sends against the same lists.
export const DRY_RUN_STRATEGIES: readonly DryRunStrategy[] = CONFIG_ENUMS.dry_run_strategy;
export const PRUNE_PROPAGATION_POLICIES: readonly PrunePropagationPolicy[] = CONFIG_ENUMS.prune_propagation_policy;
export const INVENTORY_POLICIES: readonly InventoryPolicy[] = CONFIG_ENUMS.inventory_policy;
/** GitLab's log_level_enum. */
export const LOG_LEVELS: readonly LogLevel[] = CONFIG_ENUMS.log_level;
export const SCOPE_MODES = CONFIG_ENUMS.scope_mode;

export const NAMESPACE_EXPECTED = "a namespace name (lowercase letters, digits and '-', at most 63)";
/** A commit SHA, full or abbreviated (SHA-1 or SHA-256). */
export const COMMIT_SHA = /^[0-9a-fA-F]{7,64}$/;
