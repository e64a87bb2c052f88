/**
 * Who may use the Kubernetes API through an agent, and as whom: CI
 * credentials (OIDC ID tokens verified against an issuer's JWKS), the agent's
 * `ci_access` rules, the identity a request runs as, a cache of verified
 * credentials, and the kubeconfig a CI job uses. Pure except JwksCache.
 */
export { verifyIdToken, SUPPORTED_ALGS, DEFAULT_LEEWAY_SECONDS, MAX_TOKEN_CHARS, type Claims, type Jwk, type KeySource, type VerifyOptions, type VerifyResult } from "./jwt";
export { JwksCache, JWKS_DEFAULTS, type JwksOptions } from "./jwks";
export { ciJobFromClaims, type CiEnvironment, type CiJob, type CiJobResult } from "./ci-job";
export { authorizeCiJob, type Decision } from "./authorize";
export { accessAsFor, ciJobIdentity, type AccessAs, type AgentRef } from "./identity";
export { environmentMatches } from "./environments";
export { environmentSlug } from "./slug";
export { CredentialCache, credentialFingerprint, type CredentialCacheOptions } from "./credential-cache";
export { parseBearer, ciBearerToken, CI_TOKEN_TYPE, type BearerCredential } from "./bearer";
export { logDenial } from "./log";
export { renderCiKubeconfig, contextName, KUBECONFIG_CLUSTER, type CiKubeconfigInput, type KubeconfigAgent } from "./kubeconfig";
export { authorizeCiRequest, verifyCiToken, type CiRequestAuthOptions, type RequestDecision, type TargetAgent } from "./authenticate";
export { allowedAgents, parseAllowedAgents, ALLOWED_AGENTS_PATH, type AllowedAgentWire, type AllowedAgentsWire, type ParsedAllowedAgents } from "./allowed-agents";
