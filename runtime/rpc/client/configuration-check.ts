/**
 * What agentk checks in a configuration before acting on it (pure). kas
 * validates config.yaml, but agentk must not trust the wire: protobuf leaves a
 * missing message null and an unknown enum a free string, and a configuration
 * with a null `ref` once crashed agentk (an unhandled rejection from the
 * worker set), while a zero re-apply interval would re-apply in a tight loop.
 */
import { CONFIG_ENUMS, type AgentConfiguration, type ManifestProject } from "../agent-config";

/** Problems that make `config` unusable, each naming its field; empty when it is fine. */
export function configurationProblems(config: AgentConfiguration): string[] {
  const problems: string[] = [];
  const gitops = config.gitops as AgentConfiguration["gitops"] | null;
  if (!gitops) return ["gitops: missing"];
  if (!gitops.scope) problems.push("gitops.scope: missing");
  else oneOf(problems, "gitops.scope.mode", gitops.scope.mode, CONFIG_ENUMS.scope_mode);
  if (!(gitops.reapply_interval_seconds >= 1)) problems.push(`gitops.reapply_interval_seconds: ${gitops.reapply_interval_seconds}; expected at least 1`);
  gitops.manifest_projects.forEach((p, i) => projectProblems(problems, `gitops.manifest_projects[${i}]`, p));
  oneOf(problems, "observability.logging.level", config.observability?.logging?.level, CONFIG_ENUMS.log_level);
  return problems;
}

function projectProblems(problems: string[], at: string, p: ManifestProject): void {
  if (!p.id) problems.push(`${at}.id: missing`);
  const ref = p.ref as ManifestProject["ref"] | null;
  if (!ref) problems.push(`${at}.ref: missing`);
  else if ([ref.branch, ref.tag, ref.commit].filter(Boolean).length > 1) problems.push(`${at}.ref: more than one of branch, tag, commit`);
  p.paths.forEach((g, j) => {
    if (!g.glob) problems.push(`${at}.paths[${j}].glob: missing`);
  });
  oneOf(problems, `${at}.dry_run_strategy`, p.dry_run_strategy, CONFIG_ENUMS.dry_run_strategy);
  oneOf(problems, `${at}.prune_propagation_policy`, p.prune_propagation_policy, CONFIG_ENUMS.prune_propagation_policy);
  oneOf(problems, `${at}.inventory_policy`, p.inventory_policy, CONFIG_ENUMS.inventory_policy);
}

function oneOf(problems: string[], at: string, value: string | undefined, allowed: readonly string[]): void {
  if (value === undefined || !allowed.includes(value)) problems.push(`${at}: ${JSON.stringify(value ?? null)}; expected one of ${allowed.join(", ")}`);
}
