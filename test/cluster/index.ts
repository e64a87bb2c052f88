export { startTestCluster, type TestCluster, type TestClusterOptions } from "./start";
export { ensureClusterBinary, clusterBinaryPath, type EnsureBinaryOptions } from "./binary";
export { runBuildScript } from "./build-script";
export { apiRequest, apiJson, type ApiCredentials, type ApiResponse } from "./api";
export type { ServiceAccountKubeconfigOptions } from "./service-account";
export { canI, untilCan } from "./can-i";
export { spawnCommand, type Spawned } from "./spawned";
export { roundTrip, startEchoServer, startPortForward, type EchoServer, type PortForward } from "./port-forward";
export { freePorts } from "./ports";
