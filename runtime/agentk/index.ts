export { startAgent, type AgentOptions, type RunningAgent } from "./agent";
export { installObjects, rbacObjects, renderYaml, type GenerateOptions } from "./generate";
export { main } from "./main";
