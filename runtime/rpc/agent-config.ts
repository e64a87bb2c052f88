/**
 * The agent configuration kas sends to agentk: GitLab's
 * `.gitlab/agents/<name>/config.yaml`, validated, with defaults applied.
 * Field names are the YAML's (snake_case) so a person reading a log or the
 * status API sees the keys they wrote. Mirrored by proto/agent_configuration.proto.
 */

/** Which commit of a manifest project to follow. Exactly one is set; default: the project's default branch. */
export interface GitRef {
  readonly branch?: string;
  readonly tag?: string;
  readonly commit?: string;
  /** Which one is set: added by the protobuf decoder (the proto's `oneof kind`); ignored on encode. */
  readonly kind?: "branch" | "tag" | "commit";
}

export interface PathGlob {
  /** doublestar glob, relative to the repository root, e.g. `manifests/**\/*.yaml`. */
  readonly glob: string;
}

export type DryRunStrategy = "none" | "client" | "server";
export type PrunePropagationPolicy = "orphan" | "background" | "foreground";
export type InventoryPolicy = "must_match" | "adopt_if_no_inventory" | "adopt_all";

export interface ManifestProject {
  /** Project path, e.g. `group/manifests`. Defaults to the configuration project. */
  readonly id: string;
  readonly ref: GitRef;
  readonly default_namespace: string;
  readonly paths: readonly PathGlob[];
  /** Seconds. Default 3600. */
  readonly reconcile_timeout_seconds: number;
  readonly dry_run_strategy: DryRunStrategy;
  readonly prune: boolean;
  /** Seconds. Default 3600. */
  readonly prune_timeout_seconds: number;
  readonly prune_propagation_policy: PrunePropagationPolicy;
  readonly inventory_policy: InventoryPolicy;
  /** Kinds this project may manage (GitLab 13.x). Empty = everything. */
  readonly resource_inclusions: readonly ResourceSelector[];
  /** Kinds this project may not manage; wins over inclusions. */
  readonly resource_exclusions: readonly ResourceSelector[];
}

/** A group/kind selector; `"*"` matches any. The core group is `""`. */
export interface ResourceSelector {
  readonly api_groups: readonly string[];
  readonly kinds: readonly string[];
}

/**
 * What the agent may manage (`gitops.scope`, beyond GitLab's schema, from the seed):
 * `namespaced` = only namespaced objects, only in `namespaces` (if given);
 * `cluster` = any object, cluster-scoped included. Default: cluster, as GitLab.
 */
export interface GitopsScope {
  readonly mode: "namespaced" | "cluster";
  /** Namespaces the agent may write in namespaced mode; empty = any namespace. */
  readonly namespaces: readonly string[];
}

export interface GitopsConfig {
  readonly manifest_projects: readonly ManifestProject[];
  readonly scope: GitopsScope;
  /** Seconds between drift re-applies. Default 300. */
  readonly reapply_interval_seconds: number;
}

export type LogLevel = "debug" | "info" | "warn" | "error";

export interface AgentConfiguration {
  readonly gitops: GitopsConfig;
  readonly observability: { readonly logging: { readonly level: LogLevel } };
}

/** GitLab's defaults (NOTES.md, "GitLab agent facts"). */
export const MANIFEST_PROJECT_DEFAULTS = {
  default_namespace: "default",
  paths: [{ glob: "**/*.{yaml,yml,json}" }],
  reconcile_timeout_seconds: 3600,
  dry_run_strategy: "none",
  prune: true,
  prune_timeout_seconds: 3600,
  prune_propagation_policy: "foreground",
  inventory_policy: "must_match",
  resource_inclusions: [],
  resource_exclusions: [],
} as const satisfies Omit<ManifestProject, "id" | "ref">;

export const REAPPLY_INTERVAL_DEFAULT_SECONDS = 300;

/** The values each string-typed enum of the configuration may take (the proto carries them as plain strings). */
export const CONFIG_ENUMS = {
  dry_run_strategy: ["none", "client", "server"],
  prune_propagation_policy: ["orphan", "background", "foreground"],
  inventory_policy: ["must_match", "adopt_if_no_inventory", "adopt_all"],
  scope_mode: ["namespaced", "cluster"],
  log_level: ["debug", "info", "warn", "error"],
} as const satisfies Record<string, readonly string[]>;

/** Limits GitLab enforces (NOTES.md). */
export const LIMITS = {
  configFileBytes: 128 * 1024,
  fileBytes: 5 * 1024 * 1024,
  totalBytes: 20 * 1024 * 1024,
  files: 1000,
  paths: 100,
  /** Object chunk size on the gitops stream. */
  chunkBytes: 128 * 1024,
} as const;
