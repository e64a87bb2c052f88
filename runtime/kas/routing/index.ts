/** Several kas replicas (issue 20): tunnel requests routed to the replica the agent is connected to, over the private API. */
export { startPrivateApi, type PrivateApiDeps, type RunningPrivateApi } from "./private-api";
export { RoutingTunnels, type RoutingDeps } from "./routing-tunnels";
export { forwardHandlers, PRIVATE_API_TIMEOUTS, type ForwardServiceDeps } from "./forward-service";
export { openRemoteTunnel, RemoteTunnel, ReplicaUnreachableError } from "./remote-tunnel";
export { ReplicaClients, privateApiTarget, MAX_REPLICA_CLIENTS } from "./replica-clients";
export { privateApiMetadata, privateApiRefusal } from "./auth";
export { PRIVATE_API_MAX_MESSAGE_BYTES, PRIVATE_API_MAX_CONCURRENT_STREAMS, PRIVATE_API_IDLE_CONNECTION_MS } from "./limits";
export { privateApiTls, type PrivateApiTls } from "./tls";
