/** The agent's infrastructure: its registration (GitLab or kas's registry file) and agentk in the cluster. */
export type { AgentRegistration } from "./types";
export { Agentk, validateAgentkArgs, agentkContainerArgs, ALLOW_IMPERSONATION_FLAG, DEFAULT_AGENTK_IMAGE, DEFAULT_AGENTK_REPLICAS, DEFAULT_AGENTK_RESOURCES, type AgentkArgs } from "./agentk";
export {
  GitLabAgentsApi,
  GitLabApiError,
  apiBaseUrl,
  projectSegment,
  type AgentToken,
  type AgentTokenWithSecret,
  type ClusterAgent,
  type DeployTokenWithSecret,
  type ProjectHook,
  type GitLabClientOptions,
  type GitLabErrorKind,
} from "./gitlab-api";
export {
  GitLabAgentRegistration,
  gitlabAgentRegistrationProvider,
  validateRegistrationInputs,
  GITLAB_TOKEN_ENV,
  DEFAULT_TOKEN_NAME,
  type GitLabAgentRegistrationArgs,
  type RegistrationInputs,
  type RegistrationOutputs,
} from "./registration";
export {
  LocalAgentRegistration,
  localAgentRegistrationProvider,
  newAgentToken,
  registryYaml,
  tokenSha256,
  AGENT_TOKEN_PREFIX,
  type LocalAgentRegistrationArgs,
  type RegistryAgent,
  type RegistryToken,
} from "./local-registration";
export {
  GitLabProjectAccess,
  gitlabProjectAccessProvider,
  newWebhookSecret,
  DEFAULT_DEPLOY_TOKEN_NAME,
  DEPLOY_TOKEN_SCOPES,
  type GitLabProjectAccessArgs,
  type ProjectAccessInputs,
  type ProjectAccessOutputs,
} from "./project-access";
