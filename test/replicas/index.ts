/** Issue 20 with real agentk: kas replicas, Redis, the test cluster, and what the tests look at. */
export { startFleet, manifestDir, PROJECT, CI_PROJECT, KEY_PREFIX, type Fleet, type FleetAgent } from "./fleet";
export { startTcpFront, type TcpFront } from "./tcp-front";
export {
  agentsOf,
  reportOf,
  isFinalSuccess,
  converged,
  configMapYaml,
  configMapNames,
  configMapsExist,
  configMapWrites,
  serviceAccountUser,
  auditLength,
  type AgentsBody,
  type ApiAgent,
  type ApiReport,
} from "./checks";
