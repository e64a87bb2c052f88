/**
 * Who may use the Kubernetes API through an agent, and as whom: CI
 * credentials (OIDC ID tokens verified against an issuer's JWKS; in GitLab
 * mode CI job tokens, and users' personal access tokens for `user_access`,
 * both vouched for by GitLab), the agent's `ci_access` rules, the identity a request runs as, a cache of verified
 * credentials, and the kubeconfig a CI job uses. Pure except JwksCache and
 * GitLabCredentialsClient.
 */
export { verifyIdToken, SUPPORTED_ALGS, DEFAULT_LEEWAY_SECONDS, MAX_TOKEN_CHARS, type Claims, type Jwk, type KeySource, type VerifyOptions, type VerifyResult } from "./jwt";
export { JwksCache, JWKS_DEFAULTS, type JwksOptions } from "./jwks";
export { ciJobFromClaims, type CiEnvironment, type CiJob, type CiJobResult } from "./ci-job";
export { authorizeCiJob, type Decision } from "./authorize";
export { accessAsFor, ciJobIdentity, userIdentity, type AccessAs, type AgentRef, type JobIdentity, type UserRoles } from "./identity";
export { environmentMatches } from "./environments";
export { environmentSlug } from "./slug";
export { CredentialCache, credentialFingerprint, type CredentialCacheOptions } from "./credential-cache";
export { parseBearer, ciBearerToken, CI_TOKEN_TYPE, PAT_TOKEN_TYPE, type BearerCredential } from "./bearer";
export { logDenial } from "./log";
export { renderCiKubeconfig, contextName, KUBECONFIG_CLUSTER, type CiKubeconfigInput, type KubeconfigAgent } from "./kubeconfig";
export { authorizeRequest, refusalReason, verifyCiToken, type IdTokenOptions, type CiRequestAuthOptions, type RequestDecision, type TargetAgent } from "./authenticate";
export { ciTokenKind, type CiTokenKind } from "./token-kind";
export { parseAllowedAgents, parseProxyUser, ALLOWED_AGENTS_PATH, AUTHORIZE_PROXY_USER_PATH, type AllowedAgent, type JobAllowance, type ProxyUser, type RoleGrant } from "./gitlab-answers";
export { GitLabCredentialsClient, type GitLabCredentialsApi, type GitLabCredentialsClientOptions } from "./gitlab-client";
export { authorizeJobToken, authorizeUserToken, readAllowedAgentsAnswer, readProxyUserAnswer, DEFAULT_ERROR_TTL_MS, type GitLabAuthOptions, type GitLabVerdict, type RefusalStatus } from "./gitlab-auth";
export { allowedAgents, KAS_ALLOWED_AGENTS_PATH, parseKasAllowedAgents, type AllowedAgentWire, type AllowedAgentsWire, type ParsedAllowedAgents } from "./allowed-agents";
