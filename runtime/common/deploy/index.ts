/**
 * What two sides must agree on, in one place: the workloads `agentk generate`
 * prints and infra's components create, the token hash kas compares and
 * infra writes, and the registry file infra writes and kas parses. Pure, no I/O; infra may import it, it imports nothing of infra.
 */
export { tokenSha256 } from "./token-hash";
export { IMAGE_APP_DIR, IMAGE_ENTRYPOINT } from "./image";
export {
  agentkNames,
  agentkSelector,
  agentkArgs,
  credentialsDigest,
  agentkServiceAccount,
  agentkSecret,
  agentkDeployment,
  DEFAULT_AGENT_NAMESPACE,
  DEFAULT_AGENTK_IMAGE,
  DEFAULT_AGENTK_REPLICAS,
  DEFAULT_AGENTK_RESOURCES,
  AGENTK_UID,
  AGENTK_OBSERVABILITY_PORT,
  AGENTK_SECRET_MOUNT,
  CREDENTIALS_DIGEST_ANNOTATION,
  type AgentkNames,
  type AgentkSecretOptions,
  type AgentkDeploymentOptions,
} from "./agentk";
export {
  registryYaml,
  parseRegistryYaml,
  InvalidRegistryFileError,
  REGISTRY_FILE_MAX_BYTES,
  REGISTRY_TOP_KEYS,
  REGISTRY_AGENT_KEYS,
  REGISTRY_TOKEN_KEYS,
  SHA256_HEX,
  type RegistryAgent,
  type RegistryToken,
} from "./registry-file";
export {
  DEFAULT_WEBSOCKET_PATH,
  DEFAULT_POLL_PERIOD_MS,
  KAS_PORTS,
  OWN_PRIVATE_API_URL_ENV,
  type KasConfigFile,
  type KasProjectFile,
  type KasTlsFile,
} from "./kas-config-file";
export {
  kasSelector,
  kasPorts,
  kasDeployment,
  kasService,
  KAS_CONFIG_FILE,
  KAS_REGISTRY_MOUNT,
  KAS_HTTP_SECRETS_MOUNT,
  KAS_KUBERNETES_API_TLS_MOUNT,
  KAS_CACHE_DIR,
  KAS_GIT_CREDENTIALS_MOUNT,
  kasGitPasswordFile,
  type KasPort,
  type KasDeploymentOptions,
} from "./kas";
export { restrictedPodSecurityContext, restrictedContainerSecurityContext, selectorLabels, NONROOT_UID, type Manifest, type Labels } from "./workload";
