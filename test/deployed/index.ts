/** Run what was deployed: a Deployment's pod as a local process, exactly as the API objects say (README.md). */
export { runDeployment, type RunDeploymentOptions, type DeployedProcess } from "./run";
export { UnsupportedField } from "./fields";
export type { ProbeStatus } from "./probes";
export type { LocalImage, RunnerImage } from "./images";
