/** infra/rbac: the pure RBAC planner, its renderers and diff, and the AgentRbac component. */
export {
  planRbac,
  grantName,
  EMPTY_PLAN,
  AGENT_LABEL,
  SECRETS_ALLOWED_ANNOTATION,
  CLUSTER_RESOURCES_ANNOTATION,
  IMPERSONATION_ANNOTATION,
  AGENT_RBAC_TYPE,
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
  renderImpersonationRole,
  renderImpersonationBinding,
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
export { impersonationRules, IMPERSONATE, AUTHENTICATION_GROUP, USER_EXTRAS } from "./impersonation";
export { diffRbac, isEmptyDiff, groupPermissions, CLUSTER_SCOPE, IMPERSONATION_SCOPE, type RbacDiff, type NamespaceRbacChange, type PermissionGroup } from "./diff";
export { formatDiffTable } from "./table";
export { planFromStackFile } from "./stack-file";
export { AgentRbac, type AgentRbacArgs } from "./component";
