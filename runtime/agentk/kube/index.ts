export { KubeClient, type RequestOptions, type RequestCounts } from "./client";
export { loadClusterAccess, kubeconfigAccess, fileToken, SERVICE_ACCOUNT_DIR, type ClusterAccess, type ClusterTls, type LoadOptions } from "./access";
export { Discovery, resourcePath, splitGroupVersion, type ResourceInfo } from "./discovery";
export { KubeApiError, isNotFound, isConflict, isTransient, errorMessage } from "./errors";
export { whoAmI, parseServiceAccountUser, type ServiceAccountName } from "./whoami";
