export { startAgent, type AgentOptions, type RunningAgent } from "./agent";
export { installObjects, rbacObjects, renderYaml, type GenerateOptions } from "./generate";
export { kubeconfigAccess, loadClusterAccess, type ClusterAccess } from "./kube";
export { main } from "./main";
