export { EksCluster, EKS_OIDC_THUMBPRINT, type EksClusterArgs } from "./cluster";
export { existingClusterProvider } from "./existing";
export { eksKubeconfig } from "./kubeconfig";
export { ElastiCacheRedis, type ElastiCacheRedisArgs } from "./elasticache";
