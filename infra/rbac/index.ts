/** infra/rbac: the pure RBAC planner, its renderers and diff, and the AgentRbac component. */
export {
  planRbac,
  grantName,
  EMPTY_PLAN,
  AGENT_LABEL,
  SECRETS_ALLOWED_ANNOTATION,
  CLUSTER_RESOURCES_ANNOTATION,
  BUILT_IN_NAMESPACES,
  type RbacPlan,
  type PlannedNamespace,
  type PlannedGrant,
  type PlannedClusterGrant,
  type GrantPurpose,
  type ServiceAccountRef,
  type PolicyRule,
} from "./plan";
export {
  renderManifests,
  renderNamespace,
  renderAgentState,
  renderRole,
  renderRoleBinding,
  renderClusterRole,
  renderClusterRoleBinding,
  manifestsToYaml,
  type RbacManifest,
  type NamespaceManifest,
  type RoleManifest,
  type RoleBindingManifest,
  type AgentStateManifest,
  type ClusterRoleManifest,
  type ClusterRoleBindingManifest,
  type ManifestMetadata,
} from "./render";
export { diffRbac, isEmptyDiff, groupPermissions, CLUSTER_SCOPE, type RbacDiff, type NamespaceRbacChange, type PermissionGroup } from "./diff";
export { formatDiffTable } from "./table";
export { planFromStackFile } from "./stack-file";
export { AgentRbac, type AgentRbacArgs } from "./component";
