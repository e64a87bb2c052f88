/**
 * Agent registry: who is this token? `FileRegistry` (default, a YAML file of
 * agents and token hashes) or `GitLabRegistry` (GitLab's internal API).
 */
export { InvalidRegistryFileError, RegistryUnavailableError, type AgentInfo, type AgentRegistry } from "./types";
export { hashToken } from "./tokens";
export { FileRegistry, type FileRegistryOptions } from "./file-registry";
export { parseRegistryFile, REGISTRY_FILE_MAX_BYTES, type RegistryContents } from "./file-format";
export { GitLabRegistry, AGENT_INFO_PATH, type GitLabRegistryOptions } from "./gitlab-registry";
export { signKasJwt, verifyKasJwt, readKasSecret, JWT_HEADER, JWT_ISSUER, JWT_AUDIENCE } from "./jwt";
export { callGitLab, gitlabEndpoint, shownEndpoint, GITLAB_MAX_ANSWER_BYTES, GITLAB_TIMEOUT_MS, type GitLabAnswer, type GitLabCall } from "./gitlab-http";
