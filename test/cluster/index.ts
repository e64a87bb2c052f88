export { startTestCluster, type TestCluster, type TestClusterOptions } from "./start";
export { ensureClusterBinary, clusterBinaryPath, type EnsureBinaryOptions } from "./binary";
export { runBuildScript } from "./build-script";
export { apiRequest, apiJson, type ApiCredentials, type ApiResponse } from "./api";
export type { ServiceAccountKubeconfigOptions } from "./service-account";
export { canI, untilCan } from "./can-i";
export { auditArgs, writeMetadataAuditPolicy, readAuditEvents, type AuditEvent, type AuditUser } from "./audit";
