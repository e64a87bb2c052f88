export { Kas, kasGitSecretName, type KasArgs, type KasCreatedCredentials, type KasKubernetesApi, type KasProjectArg } from "./kas";
export { renderKasConfig, KAS_PORTS, type KasHttpAccess, type KasProject } from "./kas-config";
export { KAS_PRIVATE_API_PORT, KAS_PRIVATE_API_MOUNT, KAS_REDIS_MOUNT, OWN_PRIVATE_API_URL_ENV, type KasPrivateApiFile, type KasRedisFile, type KasReplicaAccess } from "./kas-replicas-config";
export { kasDisruptionBudget, kasPrivateApiPolicy, kasSpread, withReplicaPods, type KasReplicaPodOptions } from "./kas-replicas";
export { type KasInClusterRedisArg, type KasRedisArg, type KasRedisServerArg } from "./kas-replica-resources";
export { DEFAULT_REDIS_IMAGE, REDIS_PORT, redisConf, redisDeployment, redisService } from "./in-cluster-redis";
export { GeneratedSecret, generatedSecretProvider } from "./generated-secret";
