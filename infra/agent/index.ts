/** The agent's infrastructure: its registration (GitLab or kas's registry file) and agentk in the cluster. */
export type { AgentRegistration } from "./types";
export { Agentk, validateAgentkArgs, DEFAULT_AGENTK_IMAGE, DEFAULT_AGENTK_REPLICAS, DEFAULT_AGENTK_RESOURCES, type AgentkArgs } from "./agentk";
export {
  GitLabAgentsApi,
  GitLabApiError,
  apiBaseUrl,
  projectSegment,
  type AgentToken,
  type AgentTokenWithSecret,
  type ClusterAgent,
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
